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

    public mutating func next(_ registry: some TrialRegistry) -> Int? {
        count = registry.plan.trials.count
        guard cursor < registry.plan.trials.count else { return nil }
        defer { cursor += 1 }
        return cursor
    }

    public mutating func observe(trial index: Int, epoch: Int, value: Double) {}

    public mutating func finished(trial index: Int, status: TrialStatus, epochValues: [Double]) {}

    public var isExhausted: Bool { count.map { cursor >= $0 } ?? false }
}

/// Grid search's configurations: every combination of the parameters' values, in the file's
/// parameter order with the last parameter varying fastest. Also the cells of `grid_over`.
public enum GridSearch {
    public static func assignments(_ parameters: [(name: String, specification: Sweep.Specification)]) -> [[(String, String)]] {
        var assignments: [[(String, String)]] = [[]]
        for (name, specification) in parameters {
            let values: [String]
            switch specification {
            case .value(let value): values = [value]
            case .values(let list, _): values = list
            case .distribution(let distribution): values = gridValues(distribution) ?? []
            }
            assignments = assignments.flatMap { prefix in values.map { prefix + [(name, $0)] } }
        }
        return assignments
    }

    /// The values a grid takes for a distribution, as W&B's grid does: every integer of an
    /// int_uniform, and min, min + q, … below max of a q_uniform; nil for any other. Call it only
    /// once `gridValueCount` is known to be small: it builds every value.
    public static func gridValues(_ distribution: ParameterDistribution) -> [String]? {
        guard let count = gridValueCount(distribution) else { return nil }
        switch distribution.shape {
        case .integerUniform(let low, _):
            return (0..<count).map { String(low + $0) }
        case .uniform(let low, _):
            let q = distribution.quantum ?? 1
            return (0..<count).map { distribution.text(low + Double($0) * q) }
        default:
            return nil
        }
    }

    /// How many values `gridValues` gives, computed without building them (`Int.max` when more
    /// than that), so that a grid of 10^12 values is refused by the trial limit rather than
    /// built first.
    public static func gridValueCount(_ distribution: ParameterDistribution) -> Int? {
        switch (distribution.name, distribution.shape) {
        case ("int_uniform", .integerUniform(let low, let high)):
            let (span, overflow) = high.subtractingReportingOverflow(low)
            return overflow || span == Int.max ? Int.max : span + 1
        case ("q_uniform", .uniform(let low, let high)):
            let steps = ((high - low) / (distribution.quantum ?? 1)).rounded(.up)
            // Int(_:) traps beyond Int.max (and on infinity: min −1e308, max 1e308).
            return steps < 0x1p63 ? max(Int(steps), 0) : Int.max
        default:
            return nil
        }
    }
}

/// Random search's draws: `samples` of them, parameter by parameter in the file's order (those
/// of `grid_over` aside: they are crossed with each draw), from the `sample_seed` stream.
public enum RandomSearch {
    public static func assignments(_ sweep: Sweep) -> [[(String, String)]] {
        var random = RandomStream(seed: sweep.sampleSeed, purpose: .sweepSampling)
        return (0..<sweep.samples).map { _ in draw(sweep, &random) }
    }

    /// One draw of every parameter outside `grid_over`.
    static func draw(_ sweep: Sweep, _ random: inout RandomStream) -> [(String, String)] {
        sweep.drawnParameters.map { name, specification in (name, draw(specification, &random)) }
    }

    /// One random value of a parameter. The forms that random search had from the start keep
    /// their draws (a sweep file keeps its configurations); the others take the inverse CDF of a
    /// uniform number strictly inside (0, 1).
    static func draw(_ specification: Sweep.Specification, _ random: inout RandomStream) -> String {
        switch specification {
        case .value(let value):
            return value
        case .values(let values, nil):
            return values[random.nextBelow(values.count)]
        case .values(let values, let probabilities?):
            let u = random.nextUnit()
            var sum = 0.0
            for (index, probability) in probabilities.enumerated() {
                sum += probability
                if u < sum { return values[index] }
            }
            return values[probabilities.lastIndex { $0 > 0 } ?? values.count - 1]
        case .distribution(let distribution):
            switch (distribution.name, distribution.shape) {
            case ("uniform", .uniform(let low, let high)):
                return distribution.text(random.nextUniform(low, high))
            case ("log_uniform_values", .logUniform(let low, let high)):
                return distribution.text(Double.exp(random.nextUniform(low, high)))
            case ("int_uniform", .integerUniform(let low, let high)):
                return "\(low + random.nextBelow(high - low + 1))"
            default:
                return distribution.text(distribution.value(atQuantile: openUnit(&random)))
            }
        }
    }

    /// A uniform number strictly inside (0, 1): the 53 random bits and a half.
    static func openUnit(_ random: inout RandomStream) -> Double {
        (Double(random.next() >> 11) + 0.5) * 0x1p-53
    }
}
