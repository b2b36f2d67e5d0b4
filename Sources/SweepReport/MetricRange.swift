import TrainingCore
import TrialFarm

/// The values a metric can take. A Student-t interval knows nothing of them — three seeds at
/// accuracy 0.99, 0.99 and 0.90 give an upper end above 1 — so the report clips every interval
/// and band to its metric's range, and says so under the chart or table.
struct MetricRange: Equatable {
    var low: Double
    var high: Double

    static let nonNegative = MetricRange(low: 0, high: .infinity)
    static let fraction = MetricRange(low: 0, high: 1)
    static let cosine = MetricRange(low: -1, high: 1)

    /// The range of `metric` (`Metric.range`, shared with the terminal's leaderboard).
    static func of(_ metric: Metric) -> MetricRange { MetricRange(low: metric.range.lower, high: metric.range.upper) }

    /// `value` moved into the range.
    func clip(_ value: Double) -> Double { min(max(value, low), high) }

    /// The point with its band's ends moved into the range (the mean is always inside).
    func clip(_ point: SeriesPoint) -> SeriesPoint {
        SeriesPoint(x: point.x, y: point.y, low: point.low.map(clip), high: point.high.map(clip))
    }

    /// What an axis may show: never beyond the range.
    var limits: ClosedRange<Double> { low...high }

    /// `[0, 1]`, `[−1, 1]`, `[0, ∞)`.
    var text: String {
        let number = { (x: Double) in x < 0 ? "−" + SignificantDigits.format(-x) : SignificantDigits.format(x) }
        return "[\(number(low)), " + (high.isInfinite ? "∞)" : "\(number(high))]")
    }

    /// The sentence under a chart or table whose intervals were clipped.
    var note: String { "95% intervals clipped to \(text)." }
}
