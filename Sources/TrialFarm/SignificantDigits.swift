import Foundation

/// Numbers written to a few significant digits, as a reader compares them: a random search draws
/// `lr = 0.002518460893081319`, and a legend needs `0.00252`.
public enum SignificantDigits {
    /// `value` to `digits` significant digits, trailing zeros dropped, and in exponent form only
    /// where the plain form would be long (below 10⁻⁴, or at 10^digits and above), written `1e-5`
    /// and `1.23e4` rather than C's `1e-05` and `1.23e+04`.
    public static func format(_ value: Double, digits: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value < 0 ? "-inf" : "inf" }
        if value == 0 { return "0" }  // no "-0"
        let text = String(format: "%.\(max(1, digits))g", value)
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text }
        let mantissa = text[..<e]
        var exponent = text[text.index(after: e)...]
        let negative = exponent.first == "-"
        if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
        let digitsOnly = exponent.drop { $0 == "0" }
        return "\(mantissa)e\(negative ? "-" : "")\(digitsOnly.isEmpty ? "0" : digitsOnly)"
    }

    /// The fewest digits, from `minimum` up, at which `values` that differ are still written
    /// differently — so two draws 0.0025184 and 0.0025191 are not both labelled `0.00252`.
    public static func distinguishing(_ values: [Double], minimum: Int = 3) -> Int {
        let distinct = Set(values.filter(\.isFinite))
        for digits in minimum..<17 where Set(distinct.map { format($0, digits: digits) }).count == distinct.count {
            return digits
        }
        return 17
    }

    /// A parameter's value as a file writes it (`0.002518460893081319`, `bptd`, `64`), with a
    /// number of more than `digits` digits cut to `digits` significant ones.
    public static func format(_ text: String, digits: Int = 3) -> String {
        guard text.count > digits + 2, let value = Double(text) else { return text }
        return format(value, digits: digits)
    }
}
