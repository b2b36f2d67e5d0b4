import TrainingCore

/// `method: bayes`: Tree-structured Parzen Estimator search (see `ParzenEstimator`), with the
/// seed statistic as the objective and proposals in generations, so that its decisions are a
/// pure function of the sweep and of the completed results in index order (the `Scheduler`
/// contract) while workers stay busy.
///
/// - A *draw* is one set of values of the searched parameters; crossed with the `grid_over`
///   values it makes one configuration per cell, each run on every seed. Its score is the mean
///   over its cells of each cell's `metric.aggregate` across seeds (mean, median, or the
///   pessimistic end of the 95% interval); a draw with a diverged or failed trial scores worst.
/// - Draws come in generations of `bayes.generation`. Generation k is decided from the
///   generations before the previous one (0 … k−2), so it can be handed out while generation
///   k−1 still runs: workers wait only when generation k−1 is handed out and k−2 has not finished.
/// - While fewer than `bayes.startup` draws are scored, a draw is random — the same draws as
///   `method: random` with the same sample_seed. Then a draw's parameters are chosen together as
///   Optuna's TPESampler does by default for one objective (multivariate: a product kernel per
///   observation; γ(n) = min(⌈n/10⌉, 25) best draws make l(x), the rest g(x);
///   `bayes.candidates` candidates from l, the best by l/g), with the draws decided but not yet
///   scored counted among the bad ones (Optuna's constant liar).
/// - A draw whose configuration cannot run, or repeats one already proposed, is replaced by a
///   random draw. Once a scored draw reaches `metric.target`, nothing more is proposed.
public struct BayesSearch: Scheduler {
    let sweep: Sweep
    /// The grid_over cells crossed with every draw.
    let cells: [[(String, String)]]
    /// The parameters searched (those drawn, constants aside).
    let searched: [(name: String, specification: Sweep.Specification)]

    struct Draw {
        /// Each searched parameter's value, as text.
        var values: [String]
        /// The trials of each cell's configuration, in seed order.
        var trials: [Range<Int>] = []
        /// Trials not finished yet.
        var unfinished = 0
    }

    /// Every draw proposed, in order.
    var draws: [Draw] = []
    /// The draw and cell of each trial handed out.
    var ownerOfTrial: [Int: (draw: Int, cell: Int)] = [:]
    /// The final metric of each finished trial (nil: diverged, failed, or no epochs).
    var finals: [Int: Double?] = [:]
    /// Trials proposed and not handed out yet, in index order.
    var ready = IndexQueue<Int>()
    /// The random-search stream, for draws made at random.
    var random: RandomStream
    /// A scored draw reached `metric.target`.
    var stopped = false
    /// How many draws a generation has, and how many there are in all.
    var generationSize: Int { sweep.bayes.generation }

    public init(_ sweep: Sweep) {
        self.sweep = sweep
        cells = GridSearch.assignments(sweep.gridAxes)
        searched = sweep.drawnParameters.filter { if case .value = $0.specification { false } else { true } }
        random = RandomStream(seed: sweep.sampleSeed, purpose: .sweepSampling)
    }

    public var observedMetric: Metric? { sweep.metric }

    public var isExhausted: Bool { ready.isEmpty && (stopped || draws.count >= sweep.samples) }

    public mutating func next(_ registry: some TrialRegistry) -> Int? {
        // (A generation may add no trial: every draw repeated a configuration. Then the next.)
        while ready.isEmpty && !stopped && draws.count < sweep.samples {
            let generation = draws.count / generationSize
            // Decided from generations 0 … k−2, which must all have finished.
            let evidence = max(0, generation - 1) * generationSize
            guard draws.prefix(evidence).allSatisfy({ $0.unfinished == 0 }) else { break }
            propose(generation: generation, evidence: evidence, registry)
        }
        return ready.pop()
    }

    public mutating func observe(trial index: Int, epoch: Int, value: Double) {}

    public mutating func finished(trial index: Int, status: TrialStatus, epochValues: [Double]) {
        guard let (draw, _) = ownerOfTrial[index], finals[index] == nil else { return }
        finals[index] = status == .completed ? epochValues.last : nil
        draws[draw].unfinished -= 1
    }

    // MARK: Proposing

    /// Decides generation `generation` from the first `evidence` draws (all finished) and hands
    /// its trials to the registry.
    mutating func propose(generation: Int, evidence: Int, _ registry: some TrialRegistry) {
        let scores = (0..<evidence).map { score(draw: $0) }
        if let target = sweep.target, scores.contains(where: { $0.map { better($0, than: target) || $0 == target } ?? false }) {
            stopped = true
            return
        }
        let end = min((generation + 1) * generationSize, sweep.samples)
        while draws.count < end {
            let number = draws.count
            var stream = RandomStream(seed: sweep.sampleSeed, purpose: .sweepSampling, index: UInt64(1 + number))
            var values = evidence >= sweep.bayes.startup ? tpeDraw(scores: scores, pending: evidence..<number, &stream) : randomDraw()
            var added: [Range<Int>]?
            for _ in 0..<100 {
                added = add(values, draw: number, registry)
                if added != nil { break }
                values = randomDraw()  // cannot run, or a repeat: a random draw instead
            }
            var draw = Draw(values: values)
            for (cell, trials) in (added ?? []).enumerated() {
                draw.trials.append(trials)
                for index in trials {
                    ownerOfTrial[index] = (number, cell)
                    ready.push(index)
                }
            }
            draw.unfinished = draw.trials.map(\.count).reduce(0, +)
            draws.append(draw)
        }
    }

    /// The configurations of a draw, one per cell, added to the registry; nil (nothing added)
    /// if one cannot run or is already there.
    func add(_ values: [String], draw: Int, _ registry: some TrialRegistry) -> [Range<Int>]? {
        var configurations: [TrialConfig] = []
        for crossed in cells {
            var config = TrialConfig()
            for (name, value) in zip(searched.map(\.name), values) + crossed.map({ ($0.0, $0.1) }) {
                guard (try? config.set(name, to: value)) != nil else { return nil }
            }
            for (name, specification) in sweep.drawnParameters {
                if case .value(let value) = specification { try? config.set(name, to: value) }
            }
            guard (try? config.validate()) != nil else { return nil }
            let id = SweepPlan.id(config.resolved.canonicalJSON(includingSeed: false))
            guard !registry.plan.configurationIDs.contains(id) || isRecorded(config, registry) else { return nil }
            configurations.append(config)
        }
        var ranges: [Range<Int>] = []
        for (cell, config) in configurations.enumerated() {
            guard let trials = registry.add(config, draw: draw, cell: cell, seeds: sweep.seeds) else { return ranges.isEmpty ? nil : ranges }
            ranges.append(trials)
        }
        return ranges
    }

    /// Whether `config` is in the registry only because the journal recorded it (a resumed
    /// search proposing it again), not because an earlier draw made it.
    func isRecorded(_ config: TrialConfig, _ registry: some TrialRegistry) -> Bool {
        let id = SweepPlan.id(config.resolved.canonicalJSON(includingSeed: false))
        let known = draws.flatMap(\.trials).map { registry.plan.trials[$0.lowerBound].configuration }
        return !known.contains { registry.plan.configurationIDs[Int($0)] == id }
    }

    /// A draw from the sweep's distributions (the random-search stream).
    mutating func randomDraw() -> [String] {
        searched.map { RandomSearch.draw($0.specification, &random) }
    }

    /// A draw chosen by TPE from the scored draws (in `scores`, by draw index) and the pending ones.
    func tpeDraw(scores: [Double?], pending: Range<Int>, _ stream: inout RandomStream) -> [String] {
        let n = scores.count
        let below = min(min(Int((0.1 * Double(n)).rounded(.up)), 25), n)
        let ranked = scores.indices.sorted { a, b in
            switch (scores[a], scores[b]) {
            case let (x?, y?) where x != y: better(x, than: y)
            case (_?, nil): true
            case (nil, _?): false
            default: a < b
            }
        }
        let good = ranked.prefix(below).sorted(), bad = (ranked.dropFirst(below) + Array(pending)).sorted()
        // Each parameter in the estimators' space: a category's index, or a quantile u ∈ (0, 1).
        func estimator(_ draws: [Int]) -> ProductParzenEstimator {
            ProductParzenEstimator(parameters: searched.indices.map { parameter in
                switch searched[parameter].specification {
                case .values(let values, let probabilities):
                    ParzenEstimator(categorical: draws.map { values.firstIndex(of: self.draws[$0].values[parameter]) ?? 0 },
                                    count: values.count, prior: probabilities)
                case .distribution(let distribution):
                    ParzenEstimator(numeric: draws.map { distribution.quantile(of: Double(self.draws[$0].values[parameter]) ?? 0) })
                case .value:
                    preconditionFailure("constants are not searched")
                }
            })
        }
        let (l, g) = (estimator(good), estimator(bad))
        // Of `candidates` draws from l, the one with the largest ln l − ln g (the first on ties).
        var chosen: [Double] = [], top = -Double.infinity
        for _ in 0..<sweep.bayes.candidates {
            let x = l.sample(&stream)
            let gain = l.logDensity(x) - g.logDensity(x)
            if gain > top { (chosen, top) = (x, gain) }
        }
        return searched.indices.map { parameter in
            switch searched[parameter].specification {
            case .values(let values, _): values[Int(chosen[parameter])]
            case .distribution(let distribution):
                distribution.text(distribution.value(atQuantile: min(max(chosen[parameter], 0x1p-53), 1 - 0x1p-53)))
            case .value(let value): value
            }
        }
    }

    // MARK: Scores

    func better(_ a: Double, than b: Double) -> Bool { sweep.goal == .maximize ? a > b : a < b }

    /// A finished draw's score: the mean over its cells of each cell's aggregate across seeds;
    /// nil (worst) if a trial diverged or failed, or the draw has no trials.
    func score(draw index: Int) -> Double? {
        let draw = draws[index]
        guard !draw.trials.isEmpty else { return nil }
        var sum = 0.0
        for trials in draw.trials {
            var values: [Double] = []
            for trial in trials {
                guard let value = finals[trial] ?? nil else { return nil }
                values.append(value)
            }
            guard let cell = SeedStatistic.aggregate(values, sweep.aggregate, goal: sweep.goal) else { return nil }
            sum += cell
        }
        return sum / Double(draw.trials.count)
    }
}

/// A configuration's seeds summed up into one number (`metric.aggregate`).
public enum SeedStatistic {
    /// The mean, the median, or the pessimistic end of the 95% interval of `values` (in seed
    /// order); nil where undefined (no values; an interval of one).
    public static func aggregate(_ values: [Double], _ aggregate: Sweep.Aggregate, goal: Sweep.Goal) -> Double? {
        guard !values.isEmpty else { return nil }
        var statistics = RunningStatistics()
        values.forEach { statistics.add($0) }
        switch aggregate {
        case .mean:
            return statistics.mean
        case .median:
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        case .ciLow:
            guard let interval = statistics.confidenceInterval95 else { return nil }
            return goal == .maximize ? interval.low : interval.high
        }
    }
}
