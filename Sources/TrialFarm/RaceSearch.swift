import TrainingCore

/// `method: race`: racing with seeds as instances (F-Race, Birattari et al. 2002; irace,
/// López-Ibáñez et al. 2016, for the defaults: first test after 5 seeds, Friedman's test at
/// α = 0.05 then Conover's comparisons with the best, or paired t-tests).
///
/// The candidates are the sweep's grid of values, or `samples` draws when its parameters have
/// distributions. Every configuration alive runs seed k before any runs seed k + 1: the trials of
/// seed k are added to the plan only when seed k − 1 has finished for all of them and the test
/// after it has eliminated the beaten — so nothing is run for an eliminated configuration, and the
/// decisions, taken on complete blocks in index order, never depend on which worker was fast.
/// A race ends with one survivor, when the seeds run out, or before a block would pass `run_cap`
/// trials. With `race.iterations` > 1 it is irace's iterated racing: the survivors (elites) go on
/// with new candidates drawn around them — an elite picked with weight by rank, each numeric
/// parameter from a normal around the elite's quantile whose spread shrinks by (1/n)^(1/d) each
/// iteration, each categorical one kept with probability j/iterations or else drawn afresh —
/// and race again from the first seed, the elites' results reused (same trials, same ids).
/// A configuration with a diverged or failed trial is eliminated at the next test.
public struct RaceSearch: Scheduler {
    let sweep: Sweep
    /// The parameters candidates differ in.
    let searched: [(name: String, specification: Sweep.Specification)]

    struct Candidate {
        /// Each searched parameter's value, as text.
        var values: [String]
        var config: TrialConfig
        var id: UInt64
        /// Its trial for each seed, once added.
        var trials: [Int?]
        /// The iteration it was drawn in.
        var iteration: Int
    }

    var candidates: [Candidate] = []
    /// Candidates in the current race, best-first at its end.
    var alive: [Int] = []
    var iteration = 0
    /// The seed (position) being run.
    var block = 0
    /// The current block's trials not handed out, and those not finished.
    var ready = IndexQueue<Int>()
    var outstanding: Set<Int> = []
    /// The final metric of each finished trial (nil: diverged, failed).
    var finals: [Int: Double?] = [:]
    var trialsAdded = 0
    var started = false
    var over = false
    /// How many candidates a race has (the first's), and the spread of new numeric draws.
    var raceSize = 0
    var spread = 0.5
    var random: RandomStream
    var decided: [SearchDecision] = []

    public init(_ sweep: Sweep) {
        self.sweep = sweep
        searched = sweep.parameters.filter { if case .value = $0.specification { false } else { true } }
        random = RandomStream(seed: sweep.sampleSeed, purpose: .sweepSampling)
    }

    public var observedMetric: Metric? { sweep.metric }

    public var isExhausted: Bool { over && ready.isEmpty }

    public mutating func next(_ registry: some TrialRegistry) -> Int? {
        if !started {
            started = true
            let first = sweep.parameters.contains { $0.specification.isDistribution }
                ? RandomSearch.assignments(sweep).map { $0 } : GridSearch.assignments(sweep.parameters)
            for assignment in first { _ = addCandidate(values: searched.map { name, _ in assignment.first { $0.0 == name }!.1 }) }
            raceSize = candidates.count
            alive = Array(candidates.indices)
            propose(registry)
        }
        while ready.isEmpty && outstanding.isEmpty && !over { advance(registry) }
        return ready.pop()
    }

    public mutating func observe(trial index: Int, epoch: Int, value: Double) {}

    public mutating func finished(trial index: Int, status: TrialStatus, epochValues: [Double]) {
        guard finals[index] == nil else { return }
        finals[index] = status == .completed ? epochValues.last : nil
        outstanding.remove(index)
    }

    public mutating func takeDecisions() -> [SearchDecision] {
        defer { decided = [] }
        return decided
    }

    // MARK: The race

    /// A candidate from its parameter values; nil if it cannot run or repeats one.
    mutating func addCandidate(values: [String]) -> Int? {
        var config = TrialConfig()
        for (name, value) in zip(searched.map(\.name), values) { guard (try? config.set(name, to: value)) != nil else { return nil } }
        for (name, specification) in sweep.parameters {
            if case .value(let value) = specification { try? config.set(name, to: value) }
        }
        guard (try? config.validate()) != nil else { return nil }
        let id = SweepPlan.id(config.resolved.canonicalJSON(includingSeed: false))
        guard !candidates.contains(where: { $0.id == id }) else { return nil }
        candidates.append(Candidate(values: values, config: config, id: id, trials: [Int?](repeating: nil, count: sweep.seeds.count),
                                    iteration: iteration))
        return candidates.count - 1
    }

    /// Adds the current block's trials of the candidates alive that lack them.
    mutating func propose(_ registry: some TrialRegistry) {
        let needed = alive.filter { candidates[$0].trials[block] == nil }
        if let cap = sweep.runCap, trialsAdded + needed.count > cap {
            finishRace(registry, reason: "run_cap")
            return
        }
        for candidate in needed {
            guard let trials = registry.add(candidates[candidate].config, draw: candidate, cell: 0, seeds: [sweep.seeds[block]]) else { continue }
            candidates[candidate].trials[block] = trials.lowerBound
            ready.push(trials.lowerBound)
            outstanding.insert(trials.lowerBound)
            trialsAdded += 1
        }
    }

    /// The block has finished: test, then the next block, or the race's end.
    mutating func advance(_ registry: some TrialRegistry) {
        let seedsRun = block + 1
        if seedsRun >= sweep.race.firstTest && alive.count > 1 { test(seedsRun) }
        if alive.count == 1 || seedsRun == sweep.seeds.count {
            finishRace(registry, reason: alive.count == 1 ? "one left" : "seeds")
            return
        }
        block += 1
        propose(registry)
    }

    /// Eliminates the candidates the test finds beaten after `seedsRun` seeds.
    mutating func test(_ seedsRun: Int) {
        var values: [[Double]] = [], broken: [Int] = []
        for candidate in alive {
            let finals = (0..<seedsRun).map { candidates[candidate].trials[$0].flatMap { self.finals[$0] ?? nil } }
            if finals.contains(where: { $0 == nil }) {
                broken.append(candidate)
                continue
            }
            values.append(finals.map { sweep.goal == .maximize ? $0! : -$0! })
        }
        for candidate in broken {
            decided.append(SearchDecision(configuration: candidates[candidate].id, event: .eliminated, seeds: seedsRun, test: "diverged"))
        }
        let tested = alive.filter { !broken.contains($0) }
        let verdict = sweep.race.test == .friedman ? RaceStatistics.friedmanRace(values, alpha: sweep.race.alpha)
                                                   : RaceStatistics.tTestRace(values, alpha: sweep.race.alpha)
        for (position, p) in zip(verdict.eliminated, verdict.pValues) {
            decided.append(SearchDecision(configuration: candidates[tested[position]].id, event: .eliminated, seeds: seedsRun,
                                          test: sweep.race.test.rawValue, pValue: p))
        }
        let out = Set(verdict.eliminated.map { tested[$0] } + broken)
        alive = alive.filter { !out.contains($0) }
        if alive.isEmpty { alive = tested.isEmpty ? [] : [tested[0]] }  // never none: keep the first tested
    }

    /// Ends the current race; with iterations left, starts the next with the survivors and new
    /// candidates around them.
    mutating func finishRace(_ registry: some TrialRegistry, reason: String) {
        let seedsRun = alive.map { candidate in candidates[candidate].trials.prefix { $0 != nil && finals[$0!] != nil }.count }.min() ?? 0
        alive = ranked(alive, seeds: max(seedsRun, 1))
        iteration += 1
        guard iteration < sweep.race.iterations, reason != "run_cap", !alive.isEmpty else {
            for candidate in alive {
                decided.append(SearchDecision(configuration: candidates[candidate].id, event: .survived, seeds: seedsRun, test: reason))
            }
            over = true
            return
        }
        // irace: sd ← sd·(1/n)^(1/d) for n new candidates in d dimensions.
        let elites = alive
        let wanted = max(1, raceSize - elites.count)
        spread *= Self.root(1 / Double(wanted), max(1, searched.count))
        var made = 0, tries = 0
        while made < wanted && tries < 100 * wanted {
            tries += 1
            let elite = elites[Self.pickByRank(elites.count, random.nextUnit())]
            if let candidate = addCandidate(values: aroundElite(candidates[elite].values)) {
                alive.append(candidate)
                made += 1
            }
        }
        block = 0
        propose(registry)
    }

    /// The candidates ordered best first by mean rank over the first `seeds` seeds (index on ties).
    func ranked(_ group: [Int], seeds: Int) -> [Int] {
        let values = group.map { candidate in
            (0..<seeds).map { block -> Double in
                let value = candidates[candidate].trials[block].flatMap { finals[$0] ?? nil }
                guard let value else { return -.infinity }
                return sweep.goal == .maximize ? value : -value
            }
        }
        let sums = RaceStatistics.ranks(values).map { $0.reduce(0, +) }
        return group.indices.sorted { (sums[$0], group[$0]) < (sums[$1], group[$1]) }.map { group[$0] }
    }

    /// Parameter values drawn around an elite's.
    mutating func aroundElite(_ elite: [String]) -> [String] {
        searched.indices.map { parameter in
            switch searched[parameter].specification {
            case .values(let values, _):
                return random.nextUnit() < Double(iteration) / Double(sweep.race.iterations) ? elite[parameter] : values[random.nextBelow(values.count)]
            case .distribution(let distribution):
                let center = distribution.quantile(of: Double(elite[parameter]) ?? 0)
                // A normal around the elite's quantile, truncated to (0, 1) by redrawing.
                var u = center
                for _ in 0..<100 {
                    let p = min(max(random.nextUnit(), 0x1p-53), 1 - 0x1p-53)
                    u = center + spread * SpecialFunctions.normalQuantile(p)
                    if u > 0 && u < 1 { break }
                }
                return distribution.text(distribution.value(atQuantile: min(max(u, 0x1p-53), 1 - 0x1p-53)))
            case .value(let value):
                return value
            }
        }
    }

    /// irace's choice of an elite: rank r (0 best) of n with probability (n − r)/(n(n + 1)/2).
    static func pickByRank(_ n: Int, _ u: Double) -> Int {
        let total = Double(n * (n + 1)) / 2
        var sum = 0.0
        for rank in 0..<n {
            sum += Double(n - rank) / total
            if u < sum { return rank }
        }
        return n - 1
    }

    /// x^(1/d) for x in (0, 1].
    static func root(_ x: Double, _ d: Int) -> Double { Double.exp(Double.log(x) / Double(d)) }
}
