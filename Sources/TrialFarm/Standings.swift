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
