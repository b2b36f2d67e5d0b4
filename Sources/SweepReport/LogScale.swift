import Foundation

/// A base-10 logarithmic axis from the power of ten below the data to the one above, with a tick
/// at every power (every second, third… when there are many).
struct LogScale: AxisScale {
    /// The domain's ends as powers of ten.
    let lowExponent: Int, highExponent: Int
    let from: Double, to: Double

    /// A scale covering the positive `domain`.
    init(domain: (Double, Double), range: (from: Double, to: Double)) {
        let a = min(domain.0, domain.1), b = max(domain.0, domain.1)
        lowExponent = Int(log10(a > 0 ? a : 1e-12).rounded(.down))
        highExponent = max(Int(log10(b > 0 ? b : 1).rounded(.up)), lowExponent + 1)
        (from, to) = range
    }

    func position(_ value: Double) -> Double {
        let exponent = log10(max(value, .leastNormalMagnitude))
        return from + (exponent - Double(lowExponent)) / Double(highExponent - lowExponent) * (to - from)
    }

    var ticks: [Double] {
        let every = max(1, (highExponent - lowExponent + 7) / 8)
        return stride(from: lowExponent, through: highExponent, by: every).map { pow(10, Double($0)) }
    }

    /// 10 with a superscript exponent: 10⁻³, 10⁰, 10².
    func label(_ value: Double) -> String {
        let exponent = Int(log10(value).rounded())
        let superscripts: [Character: Character] = ["-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴",
                                                    "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹"]
        return "10" + String(String(exponent).map { superscripts[$0]! })
    }
}
