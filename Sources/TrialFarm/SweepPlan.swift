import TrainingCore

/// The trials of a sweep: every configuration (resolved, all defaults filled) and, for each, its
/// seeds, in trial-index order — configuration by configuration, seeds innermost. Grid and random
/// search know every trial before the first runs (`GridSearch`, `RandomSearch`); a bayes search
/// adds configurations as it learns (`add`), and its output folder's journal records them.
/// A trial's index is the order in which the scheduler hands it out.
public struct SweepPlan: Sendable {
    public struct Trial: Sendable, Equatable {
        /// The trial's id: the first 8 bytes of SHA-256 of its canonical configuration with the seed.
        public let id: UInt64
        /// Index into `configurations`.
        public let configuration: Int32
        public let seed: UInt64
    }

    public let sweep: Sweep
    /// The distinct configurations, resolved, with seed 0.
    public private(set) var configurations: [TrialConfig] = []
    /// The first 8 bytes of SHA-256 of each configuration's canonical form without the seed.
    public private(set) var configurationIDs: [UInt64] = []
    /// Per configuration: the draw it came from (random and bayes; a grid's configurations are
    /// draws of their own) and its cell of the `grid_over` values (0 without grid_over).
    public private(set) var draws: [Int] = []
    public private(set) var cells: [Int] = []
    public private(set) var trials: [Trial] = []
    /// Configurations that came out equal to an earlier one and were dropped.
    public private(set) var duplicates = 0
    /// How many configurations the sweep file alone determines (the rest a search added).
    public private(set) var plannedConfigurations = 0
    /// The parameters whose value differs between configurations, in reference order.
    public var variedParameters: [String] {
        TrialConfig.parameterNames.indices.filter { varies[$0] }.map { TrialConfig.parameterNames[$0] }
    }
    /// The sweep's identities (see `SweepPlan.identities`).
    public private(set) var sweepID = ""
    public private(set) var studyID = ""

    /// The index of each configuration id, and the seeds each configuration has trials for.
    private var indexOfConfiguration: [UInt64: Int] = [:]
    private var seedsOfConfiguration: [Set<UInt64>] = []
    /// The first configuration's parameter values (canonical text), and which parameters have
    /// taken another value since.
    private var firstValues: [String] = []
    private var varies = [Bool](repeating: false, count: TrialConfig.parameterNames.count)

    /// The number of trials `sweep` expands to before any search adds to it, computed without
    /// expanding it: grid and random search know theirs; a bayes search's bound is its draws.
    public static func trialCount(_ sweep: Sweep) -> Int {
        let cells = sweep.gridAxes.reduce(1) { product, parameter in
            guard case .values(let values, _) = parameter.specification else { return product }
            return product.multipliedReportingOverflow(by: values.count).overflow ? Int.max : product * values.count
        }
        let configurations: Int
        switch sweep.method {
        case .random, .bayes:
            configurations = sweep.samples.multipliedReportingOverflow(by: cells).overflow ? Int.max : sweep.samples * cells
        case .race:
            // Every candidate of every iteration on every seed, at most.
            let grid = sweep.parameters.reduce(1) { product, parameter in
                guard case .values(let values, _) = parameter.specification else { return product }
                return product.multipliedReportingOverflow(by: values.count).overflow ? Int.max : product * values.count
            }
            let candidates = sweep.parameters.contains { $0.specification.isDistribution } ? sweep.samples : grid
            configurations = candidates.multipliedReportingOverflow(by: sweep.race.iterations).overflow ? Int.max : candidates * sweep.race.iterations
        case .grid:
            configurations = sweep.parameters.reduce(1) { product, parameter in
                let count: Int
                switch parameter.specification {
                case .values(let values, _): count = values.count
                case .distribution(let distribution): count = GridSearch.gridValueCount(distribution) ?? 1
                case .value: count = 1
                }
                let (result, overflow) = product.multipliedReportingOverflow(by: count)
                return overflow ? Int.max : result
            }
        }
        let (total, overflow) = configurations.multipliedReportingOverflow(by: sweep.seeds.count)
        return overflow ? Int.max : total
    }

    /// A sweep of more trials than its caller allows (`--max-trials` on the command line).
    public struct TooLarge: Error, Equatable, CustomStringConvertible {
        /// The sweep's trials (`Int.max`: more than 2^63).
        public let trials: Int
        public let maximum: Int
        public var description: String { "\(trials == Int.max ? "more than 2^63" : "\(trials)") trials is more than the maximum (\(maximum))" }
    }

    /// A configuration the sweep file determines cannot run.
    public struct Unrunnable: Error, Equatable, CustomStringConvertible {
        public let assignment: String
        public let problem: String
        public var description: String { "the configuration \(assignment.isEmpty ? "of defaults" : assignment) cannot run: \(problem)" }
    }

    /// Expands `sweep`, refusing more than `maximumTrials` trials before doing any work.
    public init(_ sweep: Sweep, maximumTrials: Int = 1_000_000) throws {
        let count = Self.trialCount(sweep)
        guard count <= maximumTrials else { throw TooLarge(trials: count, maximum: maximumTrials) }
        self.sweep = sweep
        let draws: [[(String, String)]]
        switch sweep.method {
        case .grid: draws = GridSearch.assignments(sweep.parameters)
        case .random: draws = RandomSearch.assignments(sweep)
        case .bayes, .race: draws = []
        }
        let cells = GridSearch.assignments(sweep.gridAxes)
        trials.reserveCapacity(min(count, maximumTrials))
        for (draw, drawn) in draws.enumerated() {
            for (cell, crossed) in cells.enumerated() {
                let assignment = drawn + crossed
                var config = TrialConfig()
                for (name, value) in assignment { try! config.set(name, to: value) }  // each value was checked when parsed
                do {
                    try config.validate()
                } catch let problem as ConfigurationError {
                    throw Unrunnable(assignment: assignment.map { "\($0.0) = \($0.1)" }.joined(separator: ", "), problem: problem.description)
                }
                add(config, draw: draw, cell: cell, seeds: sweep.seeds)
            }
        }
        plannedConfigurations = configurations.count
        (sweepID, studyID) = Self.identities(sweep, configurationIDs: configurationIDs, trials: trials)
    }

    /// Adds a configuration and its trials, one per seed, at the end; for a configuration already
    /// there, the trials of seeds it does not have yet (a race's next seed); nil if nothing is
    /// new (a duplicate draw).
    @discardableResult
    public mutating func add(_ config: TrialConfig, draw: Int, cell: Int, seeds: [UInt64]) -> Range<Int>? {
        let resolved = config.resolved
        let canonical = resolved.canonicalJSONParts()
        let id = Self.id(canonical.unseeded)
        // The text before the seed is hashed once, not once per seed: a million seeds spent 14 s
        // hashing it again and again before the first trial could run.
        var beforeSeed = SHA256()
        beforeSeed.update(canonical.beforeSeed.utf8)
        let trialID = { (seed: UInt64) in
            var hasher = beforeSeed
            hasher.update(String(seed).utf8)
            hasher.update(canonical.afterSeed.utf8)
            return Self.id(hasher)
        }
        if let existing = indexOfConfiguration[id] {
            let start = trials.count
            for seed in seeds where !seedsOfConfiguration[existing].contains(seed) {
                trials.append(Trial(id: trialID(seed), configuration: Int32(existing), seed: seed))
                seedsOfConfiguration[existing].insert(seed)
            }
            if trials.count == start { duplicates += 1 }
            return trials.count > start ? start..<trials.count : nil
        }
        let index = configurations.count
        indexOfConfiguration[id] = index
        configurations.append(resolved)
        configurationIDs.append(id)
        self.draws.append(draw)
        self.cells.append(cell)
        let values = resolved.parameterValues.map { $0.value.description }
        if firstValues.isEmpty { firstValues = values }
        for (position, value) in values.enumerated() where value != firstValues[position] && TrialConfig.parameterNames[position] != "seed" {
            varies[position] = true
        }
        let start = trials.count
        trials.append(contentsOf: seeds.lazy.map { Trial(id: trialID($0), configuration: Int32(index), seed: $0) })
        seedsOfConfiguration.append(Set(seeds))
        return start..<trials.count
    }

    /// The configuration of a trial, with its seed.
    public func config(of trial: Trial) -> TrialConfig {
        var config = configurations[Int(trial.configuration)]
        config.seed = trial.seed
        return config
    }

    /// 16 hex digits of an id.
    public static func hex(_ id: UInt64) -> String { String(id, radix: 16).leftPadded(to: 16) }

    static func id(_ canonical: String) -> UInt64 {
        var hasher = SHA256()
        hasher.update(canonical.utf8)
        return id(hasher)
    }

    /// The id of what `hasher` was fed: the first 8 bytes of its digest.
    static func id(_ hasher: SHA256) -> UInt64 {
        hasher.finalize().prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The trial index of every trial of each configuration, in index order.
    public func trialsByConfiguration() -> [[Int]] {
        var groups = [[Int]](repeating: [], count: configurations.count)
        for (index, trial) in trials.enumerated() { groups[Int(trial.configuration)].append(index) }
        return groups
    }
}
