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
    /// The values the metric can take: bands are clipped to them, the axis never goes beyond
    /// them, and the caption says so.
    var valueRange: MetricRange?
    /// Whether the chart names its curves under it (charts of one section can share a legend).
    var legend = true
    var frame = ChartFrame()

    /// Points that can be drawn: finite, and positive on a log axis; bands clipped to the range.
    func drawable(_ points: [SeriesPoint]) -> [SeriesPoint] {
        points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) }.map { valueRange?.clip($0) ?? $0 }
    }

    var html: String {
        let curves = series.map { Series(name: $0.name, color: $0.color, points: drawable($0.points), inLegend: $0.inLegend) }.filter { !$0.points.isEmpty }
        var text = "<figure class=\"chart\" id=\"\(id)\">\n<h3>\(HTML.escape(title))</h3>\n"
        if curves.isEmpty {
            text += "<p class=\"empty\">No data yet.</p>\n"
        } else {
            text += svg(curves)
            if legend {
                text += "<div class=\"legend\">"
                for curve in curves where curve.inLegend {
                    text += "<span><i style=\"border-color:\(curve.color)\"></i>\(HTML.escape(curve.name))</span>"
                }
                text += "</div>\n"
            }
        }
        let banded = curves.contains { $0.points.contains { $0.low != nil } }
        let caption = [note, banded ? valueRange?.note : nil].compactMap { $0 }.joined(separator: " ")
        if !caption.isEmpty { text += "<figcaption>\(HTML.escape(caption))</figcaption>\n" }
        return text + "</figure>\n"
    }

    /// The opacity of each of `count` overlapping bands: 0.18 up to two, then falling so that
    /// their sum stays about the same, never below 0.05.
    static func bandOpacity(_ count: Int) -> String {
        String(format: "%.2f", count <= 2 ? 0.18 : max(0.05, 0.36 / Double(count)))
    }

    func svg(_ curves: [Series]) -> String {
        let all = curves.flatMap(\.points)
        let xs = all.map(\.x)
        let ys = all.flatMap { [$0.y] + [$0.low, $0.high].compactMap { $0 }.filter { $0.isFinite && (!logY || $0 > 0) } }
        let x = LinearScale(domain: (xs.min()!, xs.max()!), range: (frame.plotLeft, frame.plotRight), tickCount: 6, integer: integerX)
        let y: AxisScale = logY
            ? LogScale(domain: (ys.min()!, ys.max()!), range: (frame.plotBottom, frame.plotTop))
            : LinearScale(domain: (ys.min()!, ys.max()!), range: (frame.plotBottom, frame.plotTop), tickCount: 6, limits: yLimits ?? valueRange?.limits)
        let f = ChartFrame.f
        var text = frame.open(id: id, title: title, x: x, y: y, xLabel: xLabel, yLabel: yLabel, xMarks: xMarks)
        // Bands under the lines, the lines, then markers; clipped to the plot. Ten bands at the
        // opacity that suits two make a brown fog, so the more bands, the fainter each.
        let bands = curves.map { curve in curve.points.filter { $0.low != nil && $0.high != nil && (!logY || $0.low! > 0) } }
        let opacity = Self.bandOpacity(bands.filter { $0.count > 1 }.count)
        for (curve, banded) in zip(curves, bands) where banded.count > 1 {
            let outline = banded.map { "\(f(x.position($0.x))),\(f(y.position($0.high!)))" }
                + banded.reversed().map { "\(f(x.position($0.x))),\(f(y.position($0.low!)))" }
            text += "<polygon class=\"band\" fill=\"\(curve.color)\" fill-opacity=\"\(opacity)\" points=\"\(outline.joined(separator: " "))\"/>\n"
        }
        for curve in curves {
            let line = curve.points.map { "\(f(x.position($0.x))),\(f(y.position($0.y)))" }.joined(separator: " ")
            text += "<polyline class=\"line\" stroke=\"\(curve.color)\" points=\"\(line)\"><title>\(HTML.escape(curve.name))</title></polyline>\n"
            if markers || curve.points.count == 1 {
                for point in curve.points {
                    text += "<circle fill=\"\(curve.color)\" cx=\"\(f(x.position(point.x)))\" cy=\"\(f(y.position(point.y)))\" r=\"2.5\"/>"
                }
                text += "\n"
            }
        }
        return text + ChartFrame.close
    }
}
