import TrainingCore

/// Grid and random search: every trial is known before the first one runs (`SweepPlan` expands
/// them with `GridSearch` or `RandomSearch`), and they are handed out in index order —
/// configuration by configuration, seeds innermost. Results change nothing.
public struct PlannedSearch: Scheduler {
    /// The next trial index to hand out.
    private var cursor = 0
    /// How many trials the plan has (known at the first `next`).
    private var count: Int?

    public init() {}

    public var observedMetric: Metric? { nil }

    public mutating func next(_ plan: SweepPlan) -> Int? {
        count = plan.trials.count
        guard cursor < plan.trials.count else { return nil }
        defer { cursor += 1 }
        return cursor
    }

    public mutating func observe(trial index: Int, epoch: Int, value: Double) {}

    public mutating func finished(trial index: Int, status: TrialStatus, epochValues: [Double]) {}

    public var isExhausted: Bool { count.map { cursor >= $0 } ?? false }
}

/// Grid search's configurations: every combination of the parameters' values, in the file's
/// parameter order with the last parameter varying fastest.
public enum GridSearch {
    public static func assignments(_ sweep: Sweep) -> [[(String, String)]] {
        var assignments: [[(String, String)]] = [[]]
        for (name, specification) in sweep.parameters {
            let values: [String]
            switch specification {
            case .value(let value): values = [value]
            case .values(let list): values = list
            default: preconditionFailure("grid sweeps have no distributions")
            }
            assignments = assignments.flatMap { prefix in values.map { prefix + [(name, $0)] } }
        }
        return assignments
    }
}

/// Random search's configurations: `samples` draws, parameter by parameter in the file's order,
/// sample by sample, from the `sample_seed` stream.
public enum RandomSearch {
    public static func assignments(_ sweep: Sweep) -> [[(String, String)]] {
        var random = RandomStream(seed: sweep.sampleSeed, purpose: .sweepSampling)
        return (0..<sweep.samples).map { _ in
            sweep.parameters.map { name, specification in (name, draw(specification, &random)) }
        }
    }

    /// One random value of a parameter.
    static func draw(_ specification: Sweep.Specification, _ random: inout RandomStream) -> String {
        switch specification {
        case .value(let value): return value
        case .values(let values), .categorical(let values): return values[random.nextBelow(values.count)]
        case .uniform(let low, let high): return "\(random.nextUniform(low, high))"
        case .logUniform(let low, let high):
            return "\(Double.exp(random.nextUniform(Double.log(low), Double.log(high))))"
        case .integerUniform(let low, let high): return "\(low + random.nextBelow(high - low + 1))"
        }
    }
}
