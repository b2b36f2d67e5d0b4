import TrainingCore

/// `early_terminate: hyperband` over any search (grid, random, bayes): synchronous successive
/// halving in Hyperband's brackets (`HyperbandSchedule`), deciding on configurations by their
/// seed statistic at each rung.
///
/// Configurations are dealt to cohorts in index order — n_s to bracket s, the most aggressive
/// first, then again — each batch the search adds (a grid's whole plan, a bayes generation) dealt
/// on its own, so a cohort never waits for configurations the search has not decided yet. Every
/// trial of a cohort runs to the cohort's next rung and pauses there with a checkpoint. When all
/// of them have paused (or ended early: diverged, failed), the rung is decided: the
/// configurations are ranked by `metric.aggregate` across their seeds of the metric at the rung
/// (`strict`; otherwise each seed's best so far), a configuration with an ended trial last, ties
/// by index; the best ⌊n/η⌋ (at least one) resume from their checkpoints towards the next rung,
/// the others are pruned where they stand. So which trials are pruned is a function of complete
/// evidence in index order, never of which worker was fast — and pruning never stops a running
/// trial: nothing is trained past a rung before its decision.
public struct EarlyStopping: Scheduler {
    var base: any Scheduler
    let schedule: HyperbandSchedule
    let metric: Metric
    let goal: Sweep.Goal
    let aggregate: Sweep.Aggregate
    let strict: Bool

    /// Configurations that halve together: one bracket of one Hyperband iteration.
    struct Cohort {
        let bracket: HyperbandSchedule.Bracket
        var configurations: [Int] = []
        /// Rungs decided so far.
        var stage = 0
        /// Configurations still in.
        var alive: [Int] = []
    }

    var cohorts: [Cohort] = []
    /// Each configuration's cohort, and its trials in index order.
    var cohortOf: [Int: Int] = [:]
    var trialsOf: [Int: [Int]] = [:]
    var configurationOf: [Int: Int] = [:]
    /// Configurations and trials of the plan seen so far.
    var configurationsSeen = 0, trialsSeen = 0
    /// The metric at each epoch's end of every trial that paused or finished, by trial.
    var values: [Int: [Double]] = [:]
    /// Trials that finished: how (a trial finished early by divergence or failure scores worst).
    var finishedStatus: [Int: TrialStatus] = [:]
    /// Trials waiting at a rung.
    var paused: Set<Int> = []
    /// Paused trials to resume, in index order; paused trials pruned, not yet reported.
    var promoted = IndexQueue<Int>()
    var prunedOut: [Int] = []
    /// Configuration ids, by plan index; and the decisions not yet taken by `takeDecisions`.
    var configurationIDs: [Int: UInt64] = [:]
    var decided: [SearchDecision] = []

    public init(base: any Scheduler, schedule: HyperbandSchedule, sweep: Sweep) {
        self.base = base
        self.schedule = schedule
        metric = sweep.metric
        goal = sweep.goal
        aggregate = sweep.aggregate
        strict = sweep.earlyTerminate?.strict ?? true
    }

    public var observedMetric: Metric? { metric }

    public var isExhausted: Bool { base.isExhausted && promoted.isEmpty }

    public mutating func next(_ registry: some TrialRegistry) -> Int? {
        if let index = promoted.pop() { return index }
        let index = base.next(registry)
        deal(registry.plan)
        return index
    }

    /// Deals the configurations the search added since the last call to cohorts, and notes
    /// their trials.
    mutating func deal(_ plan: SweepPlan) {
        guard plan.configurations.count > configurationsSeen else { return }
        var next = 0  // the bracket the next cohort takes, cycling
        var current: Cohort?
        for configuration in configurationsSeen..<plan.configurations.count {
            if current == nil || current!.configurations.count >= current!.bracket.configurations {
                if let full = current { cohorts.append(full) }
                current = Cohort(bracket: schedule.brackets[next])
                next = (next + 1) % schedule.brackets.count
            }
            cohortOf[configuration] = cohorts.count
            configurationIDs[configuration] = plan.configurationIDs[configuration]
            current!.configurations.append(configuration)
            current!.alive.append(configuration)
        }
        if let last = current { cohorts.append(last) }
        configurationsSeen = plan.configurations.count
        for index in trialsSeen..<plan.trials.count {
            let configuration = Int(plan.trials[index].configuration)
            trialsOf[configuration, default: []].append(index)
            configurationOf[index] = configuration
        }
        trialsSeen = plan.trials.count
    }

    public func epochLimit(trial index: Int) -> Int? {
        guard let configuration = configurationOf[index], let cohort = cohortOf[configuration] else { return nil }
        let c = cohorts[cohort]
        return c.stage < c.bracket.rungs.count ? c.bracket.rungs[c.stage] : nil
    }

    public mutating func observe(trial index: Int, epoch: Int, value: Double) {
        base.observe(trial: index, epoch: epoch, value: value)
    }

    public mutating func paused(trial index: Int, epoch: Int, epochValues: [Double]) {
        values[index] = epochValues
        paused.insert(index)
        decide(around: index)
    }

    public mutating func finished(trial index: Int, status: TrialStatus, epochValues: [Double]) {
        values[index] = epochValues
        finishedStatus[index] = status
        paused.remove(index)
        base.finished(trial: index, status: status, epochValues: epochValues)
        decide(around: index)
    }

    public mutating func takeDecisions() -> [SearchDecision] {
        defer { decided = [] }
        return decided + base.takeDecisions()
    }

    public mutating func takePruned() -> [Int] {
        defer { prunedOut = [] }
        return prunedOut
    }

    // MARK: Rungs

    /// Decides the rungs of `trial`'s cohort that have all their evidence, one after another.
    mutating func decide(around trial: Int) {
        guard let configuration = configurationOf[trial], let index = cohortOf[configuration] else { return }
        while cohorts[index].stage < cohorts[index].bracket.rungs.count {
            let cohort = cohorts[index]
            let rung = cohort.bracket.rungs[cohort.stage]
            guard cohort.alive.allSatisfy({ ready($0, at: rung) }) else { return }
            let scores = cohort.alive.map { score($0, at: rung) }
            let order = cohort.alive.indices.sorted { a, b in
                switch (scores[a], scores[b]) {
                case let (x?, y?) where x != y: goal == .maximize ? x > y : x < y
                case (_?, nil): true
                case (nil, _?): false
                default: cohort.alive[a] < cohort.alive[b]
                }
            }
            let kept = Set(order.prefix(schedule.survivors(of: cohort.alive.count)).map { cohort.alive[$0] })
            var resumed: [Int] = [], stopped: [Int] = []
            for configuration in cohort.alive {
                for trial in trialsOf[configuration] ?? [] where paused.contains(trial) {
                    paused.remove(trial)
                    if kept.contains(configuration) { resumed.append(trial) } else { stopped.append(trial) }
                }
                if !kept.contains(configuration) {
                    decided.append(SearchDecision(configuration: configurationIDs[configuration]!, event: .pruned, epoch: rung,
                                                  test: "hyperband bracket s=\(cohort.bracket.s)"))
                }
            }
            resumed.sorted().forEach { promoted.push($0) }
            prunedOut += stopped.sorted()
            cohorts[index].alive = cohort.alive.filter { kept.contains($0) }
            cohorts[index].stage += 1
        }
    }

    /// Whether every trial of `configuration` has the metric at `rung`, or has ended early.
    func ready(_ configuration: Int, at rung: Int) -> Bool {
        guard let trials = trialsOf[configuration], !trials.isEmpty else { return false }
        return trials.allSatisfy { trial in
            if let status = finishedStatus[trial], status == .diverged || status == .failed { return true }
            return (values[trial]?.count ?? 0) >= rung && (paused.contains(trial) || finishedStatus[trial] != nil)
        }
    }

    /// A configuration's statistic at `rung`; nil (worst) if a trial ended early.
    func score(_ configuration: Int, at rung: Int) -> Double? {
        var seedValues: [Double] = []
        for trial in trialsOf[configuration] ?? [] {
            if let status = finishedStatus[trial], status == .diverged || status == .failed { return nil }
            guard let history = values[trial], history.count >= rung else { return nil }
            let upToRung = history.prefix(rung)
            seedValues.append(strict ? history[rung - 1] : (goal == .maximize ? upToRung.max()! : upToRung.min()!))
        }
        return SeedStatistic.aggregate(seedValues, aggregate, goal: goal)
    }
}
