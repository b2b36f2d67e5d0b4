import TrainingCore

/// A sweep expanded into its trials: every configuration (resolved, all defaults filled) and,
/// for each, every seed. Expansion is deterministic (see `GridSearch` and `RandomSearch`).
/// Trials are ordered configuration by configuration, seeds innermost; a trial's plan index is
/// its trial index, the order in which the scheduler hands trials out.
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
    public let configurations: [TrialConfig]
    /// The first 8 bytes of SHA-256 of each configuration's canonical form without the seed.
    public let configurationIDs: [UInt64]
    public let trials: [Trial]
    /// Configurations that came out equal to an earlier one and were dropped (random search).
    public let duplicates: Int
    /// A hash of the sorted trial ids: the same sweep, whatever its key order, has the same id.
    public let sweepID: String
    /// The parameters whose value differs between configurations, in reference order.
    public let variedParameters: [String]

    /// A sweep of more trials than its caller allows (`--max-trials` on the command line).
    public struct TooLarge: Error, Equatable, CustomStringConvertible {
        /// The sweep's trials (`Int.max`: more than 2^63).
        public let trials: Int
        public let maximum: Int
        public var description: String { "\(trials == Int.max ? "more than 2^63" : "\(trials)") trials is more than the maximum (\(maximum))" }
    }

    /// The number of trials `sweep` expands to, computed without expanding it.
    public static func trialCount(_ sweep: Sweep) -> Int {
        let configurations: Int
        switch sweep.method {
        case .random: configurations = sweep.samples
        case .grid:
            configurations = sweep.parameters.reduce(1) { product, parameter in
                guard case .values(let values) = parameter.specification else { return product }
                let (result, overflow) = product.multipliedReportingOverflow(by: values.count)
                return overflow ? Int.max : result
            }
        }
        let (total, overflow) = configurations.multipliedReportingOverflow(by: sweep.seeds.count)
        return overflow ? Int.max : total
    }

    /// Expands `sweep`, refusing more than `maximumTrials` trials before doing any work.
    public init(_ sweep: Sweep, maximumTrials: Int = 1_000_000) throws {
        let count = Self.trialCount(sweep)
        guard count <= maximumTrials else { throw TooLarge(trials: count, maximum: maximumTrials) }
        self.sweep = sweep
        let assignments = switch sweep.method {
        case .grid: GridSearch.assignments(sweep)
        case .random: RandomSearch.assignments(sweep)
        }
        var configurations: [TrialConfig] = [], ids: [UInt64] = [], seen = Set<UInt64>()
        for assignment in assignments {
            var config = TrialConfig()
            for (name, value) in assignment { try! config.set(name, to: value) }  // each value was checked when parsed
            do {
                try config.validate()
            } catch let problem as ConfigurationError {
                let described = assignment.map { "\($0.0) = \($0.1)" }.joined(separator: ", ")
                throw InputError("sweep", "the configuration \(described.isEmpty ? "of defaults" : described) cannot run: \(problem)")
            }
            let resolved = config.resolved
            let id = Self.id(resolved.canonicalJSON(includingSeed: false))
            if seen.insert(id).inserted {
                configurations.append(resolved)
                ids.append(id)
            }
        }
        var trials: [Trial] = []
        trials.reserveCapacity(configurations.count * sweep.seeds.count)
        for (index, config) in configurations.enumerated() {
            var seeded = config
            for seed in sweep.seeds {
                seeded.seed = seed
                trials.append(Trial(id: Self.id(seeded.canonicalJSON()), configuration: Int32(index), seed: seed))
            }
        }
        self.configurations = configurations
        configurationIDs = ids
        self.trials = trials
        duplicates = assignments.count - configurations.count
        sweepID = SHA256.hex(trials.map(\.id).sorted().map(Self.hex).joined(separator: "\n").utf8)
        let values = configurations.map { $0.parameterValues }
        variedParameters = TrialConfig.parameterNames.enumerated().compactMap { index, name in
            name != "seed" && Set(values.map { $0[index].value.description }).count > 1 ? name : nil
        }
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
        SHA256.digest(canonical.utf8).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The plan index of every trial of each configuration, in plan order.
    public func trialsByConfiguration() -> [[Int]] {
        var groups = [[Int]](repeating: [], count: configurations.count)
        for (index, trial) in trials.enumerated() { groups[Int(trial.configuration)].append(index) }
        return groups
    }
}
