import TrainingCore

/// The sweep's metric at the last epoch of each completed trial, by configuration, as trials
/// finish: the best configurations so far, for the progress display and `depthfarm status`.
/// Only shown, never decided on — the searches decide on results in trial-index order.
public struct Standings: Sendable {
    public let metric: Metric
    let aggregate: Sweep.Aggregate
    let goal: Sweep.Goal
    /// Final values of each configuration's completed trials.
    var finals: [Int: [Double]] = [:]
    /// The ranking as last computed (nil: to be computed again).
    var ranking: [Standing]?

    /// One configuration's place: its score (the sweep's `metric.aggregate` of its finals), the
    /// mean with its 95% interval (clipped to the metric's range) and how many trials it has.
    public struct Standing: Sendable, Equatable {
        public let configuration: Int
        public let score: Double
        public let mean: Double
        public let interval: (low: Double, high: Double)?
        public let count: Int
        public static func == (a: Standing, b: Standing) -> Bool { a.configuration == b.configuration && a.score == b.score && a.count == b.count }
    }

    public init(sweep: Sweep) {
        metric = sweep.metric
        aggregate = sweep.aggregate
        goal = sweep.goal
    }

    public mutating func add(configuration: Int, final value: Double) {
        finals[configuration, default: []].append(value)
        ranking = nil
    }

    /// Every configuration with a completed trial, best first (ties: the lower configuration).
    public mutating func ranked() -> [Standing] {
        if let ranking { return ranking }
        let range = metric.range
        let standings: [Standing] = finals.compactMap { configuration, values in
            guard let score = SeedStatistic.aggregate(values, aggregate, goal: goal), !score.isNaN else { return nil }
            var statistics = RunningStatistics()
            values.forEach { statistics.add($0) }
            let interval = statistics.confidenceInterval95.map { (max($0.low, range.lower), min($0.high, range.upper)) }
            return Standing(configuration: configuration, score: score, mean: statistics.mean, interval: interval, count: values.count)
        }
        let sorted = standings.sorted { a, b in
            a.score != b.score ? (goal == .maximize ? a.score > b.score : a.score < b.score) : a.configuration < b.configuration
        }
        ranking = sorted
        return sorted
    }

    /// The final value of the sweep's metric in per-epoch records of a trial of `epochs` epochs
    /// (nil if it has none at the last epoch).
    public static func final(of records: [MetricRecord], metric: Metric, epochs: Int) -> Double? {
        records.last { $0.metric == metric && $0.step == nil && $0.lag == nil && $0.epoch == epochs }?.value
    }
}

/// Numbers for people: significant digits, not the 17 of an exact decimal.
public enum Significant {
    /// `value` with `digits` significant digits, trailing zeros dropped: 0.002518460893081319 →
    /// "0.002518" (4), 1e-08 → "1e-08", 50 → "50".
    public static func format(_ value: Double, digits: Int = 4) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value > 0 ? "inf" : "-inf" }
        var text = String(format: "%.\(digits)g", value)
        // %g keeps zeros after the point in the plain form only when asked (#); drop any that are there.
        if text.contains("."), !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// A parameter's value as written in a file (`0.002518460893081319`, `bptd`, `64`), with
    /// numbers cut to `digits` significant digits.
    public static func format(_ text: String, digits: Int = 4) -> String {
        guard text.count > digits + 2, let value = Double(text) else { return text }
        return format(value, digits: digits)
    }
}
