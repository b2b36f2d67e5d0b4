import TrainingCore

/// The values a metric can take. A Student-t interval knows nothing of them — three seeds at
/// accuracy 0.99, 0.99 and 0.90 give an upper end above 1 — so the report clips every interval
/// and band to its metric's range, and says so under the chart or table.
struct MetricRange: Equatable {
    var low: Double
    var high: Double

    static let nonNegative = MetricRange(low: 0, high: .infinity)
    static let fraction = MetricRange(low: 0, high: 1)
    static let cosine = MetricRange(low: -1, high: 1)

    /// Every metric's range, by its name in metrics.csv (README, Outputs).
    static let table: [String: MetricRange] = [
        "train_loss": .nonNegative, "test_loss": .nonNegative,  // cross-entropies and squared errors
        "train_acc": .fraction, "test_acc": .fraction, "lag_weight": .fraction,
        "grad_cos": .cosine,
        "grad_norm": .nonNegative, "dldh_norm": .nonNegative, "wall_seconds": .nonNegative,
        "weight_hh_l0_norm": .nonNegative, "weight_hh_l0_sigma_max": .nonNegative,
        "weight_hh_l0_m_norm": .nonNegative, "weight_hh_l0_v_norm": .nonNegative,
        "weight_hh_l1_norm": .nonNegative, "weight_hh_l1_sigma_max": .nonNegative,
        "weight_hh_l1_m_norm": .nonNegative, "weight_hh_l1_v_norm": .nonNegative,
    ]

    /// The range of `metric` (every metric has one: a test checks the table is complete).
    static func of(_ metric: Metric) -> MetricRange? { table[metric.rawValue] }

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
