import Foundation

/// A chart of curves with optional 95% confidence bands, as inline SVG inside an HTML figure
/// with its title and an HTML legend (which wraps on narrow screens and prints well).
struct LineChart {
    struct Series {
        var name: String
        var color: String
        var points: [SeriesPoint]
        /// Whether the legend names it (a chart of many alike curves names one for all).
        var inLegend = true
    }

    /// Unique within the page (the chart's clip path is named after it).
    var id: String
    var title: String
    /// Axis labels, with units.
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var logY = false
    /// Bounds the y axis is never widened beyond (a fraction stays within 0 … 1).
    var yLimits: ClosedRange<Double>?
    /// Ticks on whole numbers only (epochs, lags).
    var integerX = false
    /// Marks every point (for curves of few points, like per-epoch ones).
    var markers = false
    /// Where dashed vertical lines mark the x axis (early stopping's rungs).
    var xMarks: [Double] = []
    /// A sentence under the chart.
    var note: String?

    // The drawing's coordinate system; the SVG scales to the page's width.
    static let width = 720.0, height = 360.0
    static let left = 76.0, right = 16.0, top = 14.0, bottom = 52.0

    /// Points that can be drawn: finite, and positive on a log axis.
    func drawable(_ points: [SeriesPoint]) -> [SeriesPoint] {
        points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) }
    }

    var html: String {
        let curves = series.map { Series(name: $0.name, color: $0.color, points: drawable($0.points), inLegend: $0.inLegend) }.filter { !$0.points.isEmpty }
        var text = "<figure class=\"chart\" id=\"\(id)\">\n<h3>\(HTML.escape(title))</h3>\n"
        if curves.isEmpty {
            text += "<p class=\"empty\">No data yet.</p>\n"
        } else {
            text += svg(curves)
            text += "<div class=\"legend\">"
            for curve in curves where curve.inLegend {
                text += "<span><i style=\"border-color:\(curve.color)\"></i>\(HTML.escape(curve.name))</span>"
            }
            text += "</div>\n"
        }
        if let note { text += "<figcaption>\(HTML.escape(note))</figcaption>\n" }
        return text + "</figure>\n"
    }

    func svg(_ curves: [Series]) -> String {
        let all = curves.flatMap(\.points)
        let xs = all.map(\.x)
        let ys = all.flatMap { [$0.y] + [$0.low, $0.high].compactMap { $0 }.filter { $0.isFinite && (!logY || $0 > 0) } }
        let (plotLeft, plotRight) = (Self.left, Self.width - Self.right)
        let (plotTop, plotBottom) = (Self.top, Self.height - Self.bottom)
        let x = LinearScale(domain: (xs.min()!, xs.max()!), range: (plotLeft, plotRight), tickCount: 7, integer: integerX)
        let y: AxisScale = logY
            ? LogScale(domain: (ys.min()!, ys.max()!), range: (plotBottom, plotTop))
            : LinearScale(domain: (ys.min()!, ys.max()!), range: (plotBottom, plotTop), tickCount: 6, limits: yLimits)
        let f = { (value: Double) in String(format: "%.1f", value) }

        var text = "<svg viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        text += "<title>\(HTML.escape(title))</title>\n"
        // Grid and ticks.
        text += "<g class=\"grid\">"
        for tick in x.ticks { text += "<line x1=\"\(f(x.position(tick)))\" y1=\"\(f(plotTop))\" x2=\"\(f(x.position(tick)))\" y2=\"\(f(plotBottom))\"/>" }
        for tick in y.ticks { text += "<line x1=\"\(f(plotLeft))\" y1=\"\(f(y.position(tick)))\" x2=\"\(f(plotRight))\" y2=\"\(f(y.position(tick)))\"/>" }
        for mark in xMarks { text += "<line class=\"mark\" x1=\"\(f(x.position(mark)))\" y1=\"\(f(plotTop))\" x2=\"\(f(x.position(mark)))\" y2=\"\(f(plotBottom))\"/>" }
        text += "</g>\n<g class=\"ticks\">"
        for tick in x.ticks {
            text += "<text x=\"\(f(x.position(tick)))\" y=\"\(f(plotBottom + 17))\" text-anchor=\"middle\">\(HTML.escape(x.label(tick)))</text>"
        }
        for tick in y.ticks {
            text += "<text x=\"\(f(plotLeft - 6))\" y=\"\(f(y.position(tick) + 4))\" text-anchor=\"end\">\(HTML.escape(y.label(tick)))</text>"
        }
        text += "</g>\n"
        text += "<rect class=\"frame\" x=\"\(f(plotLeft))\" y=\"\(f(plotTop))\" width=\"\(f(plotRight - plotLeft))\" height=\"\(f(plotBottom - plotTop))\"/>\n"
        text += "<text class=\"axis\" x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(f(Self.height - 10))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
        text += "<text class=\"axis\" transform=\"translate(16 \(f((plotTop + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>\n"
        // Bands under the lines, the lines, then markers; clipped to the plot.
        text += "<clipPath id=\"clip-\(id)\"><rect x=\"\(f(plotLeft))\" y=\"\(f(plotTop))\" width=\"\(f(plotRight - plotLeft))\" height=\"\(f(plotBottom - plotTop))\"/></clipPath>\n"
        text += "<g clip-path=\"url(#clip-\(id))\">\n"
        for curve in curves {
            let banded = curve.points.filter { $0.low != nil && $0.high != nil && (!logY || $0.low! > 0) }
            guard banded.count > 1 else { continue }
            let outline = banded.map { "\(f(x.position($0.x))),\(f(y.position($0.high!)))" }
                + banded.reversed().map { "\(f(x.position($0.x))),\(f(y.position($0.low!)))" }
            text += "<polygon class=\"band\" fill=\"\(curve.color)\" points=\"\(outline.joined(separator: " "))\"/>\n"
        }
        for curve in curves {
            let line = curve.points.map { "\(f(x.position($0.x))),\(f(y.position($0.y)))" }.joined(separator: " ")
            text += "<polyline class=\"line\" stroke=\"\(curve.color)\" points=\"\(line)\"><title>\(HTML.escape(curve.name))</title></polyline>\n"
            if markers || curve.points.count == 1 {
                for point in curve.points {
                    text += "<circle fill=\"\(curve.color)\" cx=\"\(f(x.position(point.x)))\" cy=\"\(f(y.position(point.y)))\" r=\"3\"/>"
                }
                text += "\n"
            }
        }
        return text + "</g>\n</svg>\n"
    }
}
