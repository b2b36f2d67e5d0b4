import Foundation

/// Colours that stay apart for colour-blind readers and in greyscale print.
enum Palette {
    /// For series that are categories (configurations, groups): Okabe and Ito's eight, then ten
    /// more picked one by one as the farthest in CIELAB from those already in (every pair at
    /// least ΔE 20 apart; pale ones left out, as lines on white). Yellow, the faintest, last. A
    /// chart shows at most this many categories before a colour repeats.
    static let categorical = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
                              "#332288", "#66A61E", "#E7298A", "#8C564B", "#8DD3C7", "#882255", "#E41A1C",
                              "#9467BD", "#FB9A99", "#999933", "#F0E442"]

    static func category(_ index: Int) -> String { categorical[index % categorical.count] }

    /// Stops of viridis, for series that are ordered (temporal lags): dark purple to yellow.
    static let sequentialStops: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37),
    ]

    /// The colour at `fraction` (0 … 1) along viridis.
    static func sequential(_ fraction: Double) -> String {
        let f = min(max(fraction, 0), 1) * Double(sequentialStops.count - 1)
        let i = min(Int(f), sequentialStops.count - 2), t = f - Double(i)
        let (a, b) = (sequentialStops[i], sequentialStops[i + 1])
        let mix = { (x: Double, y: Double) in Int((x + (y - x) * t).rounded()) }
        return String(format: "#%02X%02X%02X", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
