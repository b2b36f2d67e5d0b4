import Foundation

/// A linear axis whose domain is widened to "nice" round ends (multiples of 1, 2 or 5 × 10^k), with
/// ticks at those multiples — what a reader expects to see on an axis.
struct LinearScale: AxisScale {
    /// The widened domain, and the tick spacing.
    let low: Double, high: Double, step: Double
    /// The range positions of `low` and `high` (for a y axis, `from` is the bottom).
    let from: Double, to: Double

    /// A scale covering `domain` with about `tickCount` ticks; with `integer`, ticks only on whole
    /// numbers; never widened beyond `limits` (accuracy stays within 0 … 1).
    init(domain: (Double, Double), range: (from: Double, to: Double), tickCount: Int = 5, integer: Bool = false,
         limits: ClosedRange<Double>? = nil) {
        var (a, b) = (min(domain.0, domain.1), max(domain.0, domain.1))
        if !(b > a) {  // one value (or none): a unit-wide domain around it
            let center = a.isFinite ? a : 0
            (a, b) = center == 0 ? (-1, 1) : (center - abs(center) / 2, center + abs(center) / 2)
        }
        let raw = Self.niceStep((b - a) / Double(max(tickCount - 1, 1)))
        step = integer ? max(raw, 1) : raw
        // Rounded with a little slack, so that 3e-5 / 1e-5 = 3.0000000000000004 does not add a step.
        low = max((a / step + 1e-9).rounded(.down) * step, limits?.lowerBound ?? -.infinity)
        high = min((b / step - 1e-9).rounded(.up) * step, limits?.upperBound ?? .infinity)
        (from, to) = range
    }

    /// The tick spacing for a raw spacing: 1, 2 or 5 times a power of ten, the nearest above.
    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    func position(_ value: Double) -> Double {
        from + (value - low) / (high - low) * (to - from)
    }

    /// The multiples of the step in the domain, each computed as a whole multiple so that 0.1 · 3
    /// prints as 0.3.
    var ticks: [Double] {
        let first = Int((low / step - 1e-9).rounded(.up)), last = Int((high / step + 1e-9).rounded(.down))
        return first <= last ? (first...last).map { Double($0) * step } : []
    }

    /// As many decimals as the step needs, none more.
    func label(_ value: Double) -> String {
        let decimals = max(0, -Int(log10(step).rounded(.down)))
        if abs(value) >= 1e5 || (step < 1e-4 && value != 0) { return String(format: "%.1e", value) }
        return String(format: "%.\(decimals)f", value == 0 ? 0 : value)  // no "-0"
    }
}
