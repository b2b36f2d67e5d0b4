import Foundation

/// Parallel coordinates over a search's parameters and its metric: one vertical axis each, the
/// metric last, and one line per configuration through its values — coloured by the metric, the
/// best darkest and drawn last (on top), as Optuna's and W&B's parallel-coordinate plots do. It
/// shows which combinations the good configurations share, which one scatter per parameter
/// cannot.
struct ParallelCoordinates {
    struct Axis {
        var name: String
        /// Each line's value on this axis (for choices: the choice's index); nil where it has none.
        var values: [Double?]
        var scale: ScatterChart.XAxis
    }

    var id: String
    var title: String
    /// The parameters' axes, then the metric's.
    var axes: [Axis]
    /// Per line: what hovering it says.
    var labels: [String]
    /// Per line: how good it is, 0 (worst shown) … 1 (best); lines without one are not drawn.
    var goodness: [Double?]
    var legend: String
    var note: String?
    var frame = ChartFrame(width: 1200, height: 320, left: 70, right: 70, top: 30, bottom: 22)

    /// The colour of a line of `goodness`: dark purple for the best, fading along viridis to light
    /// green for the worst, so that the best stand out on white.
    static func color(_ goodness: Double) -> String { Palette.sequential(0.85 * (1 - goodness)) }

    /// Each axis's scale, vertical, over its values.
    func scale(_ axis: Axis, range: (from: Double, to: Double)) -> AxisScale {
        let values = axis.values.compactMap { $0 }.filter(\.isFinite)
        let (low, high) = (values.min() ?? 0, values.max() ?? 1)
        switch axis.scale {
        case .linear: return LinearScale(domain: (low, high), range: range, tickCount: 5)
        case .log: return LogScale(domain: (low, high), range: range)
        case .categories(let names): return CategoryScale(names, range: range)
        }
    }

    var html: String {
        var text = "<figure class=\"chart wide\" id=\"\(id)\">\n<h3>\(HTML.escape(title))</h3>\n"
        if axes.count < 2 || !goodness.contains(where: { $0 != nil }) {
            text += "<p class=\"empty\">No data yet.</p>\n"
        } else {
            text += svg()
            let ramp = "linear-gradient(to right, \(Self.color(1)), \(Self.color(0.5)), \(Self.color(0)))"
            text += "<div class=\"legend\"><span><i class=\"ramp\" style=\"background:\(ramp)\"></i>\(HTML.escape(legend))</span></div>\n"
        }
        if let note { text += "<figcaption>\(HTML.escape(note))</figcaption>\n" }
        return text + "</figure>\n"
    }

    func svg() -> String {
        let f = ChartFrame.f
        let range = (from: frame.plotBottom, to: frame.plotTop)
        let scales = axes.map { scale($0, range: range) }
        let step = (frame.plotRight - frame.plotLeft) / Double(axes.count - 1)
        let across = axes.indices.map { frame.plotLeft + Double($0) * step }
        var text = "<svg viewBox=\"0 0 \(Int(frame.width)) \(Int(frame.height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        text += "<title>\(HTML.escape(title))</title>\n"
        // Worst first, so that the best are drawn over them.
        let order = goodness.indices.filter { goodness[$0] != nil }.sorted { (goodness[$0]!, $1) < (goodness[$1]!, $0) }
        text += "<g class=\"lines\">\n"
        for line in order {
            let points = axes.indices.compactMap { a in
                axes[a].values[line].map { "\(f(across[a])),\(f(scales[a].position($0)))" }
            }
            text += "<polyline class=\"pc\" stroke=\"\(Self.color(goodness[line]!))\" points=\"\(points.joined(separator: " "))\"><title>\(HTML.escape(labels[line]))</title></polyline>\n"
        }
        text += "</g>\n"
        for (a, axis) in axes.enumerated() {
            let x = across[a]
            text += "<g class=\"pcaxis\"><line x1=\"\(f(x))\" y1=\"\(f(frame.plotTop))\" x2=\"\(f(x))\" y2=\"\(f(frame.plotBottom))\"/>"
            text += "<text class=\"axis\" x=\"\(f(x))\" y=\"\(f(frame.plotTop - 12))\" text-anchor=\"middle\">\(HTML.escape(axis.name))</text>"
            for tick in scales[a].ticks {
                text += "<text x=\"\(f(x - 5))\" y=\"\(f(scales[a].position(tick) + 4))\" text-anchor=\"end\">\(HTML.escape(scales[a].label(tick)))</text>"
            }
            text += "</g>\n"
        }
        return text + "</svg>\n"
    }
}
