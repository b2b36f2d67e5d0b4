import Foundation

/// The drawing around a chart's data — the SVG element, grid, ticks, frame and axis labels, and
/// a clip path — shared by line and scatter charts so that they look alike. Sizes are in the
/// SVG's own units; the drawing scales to the width of its column.
struct ChartFrame {
    var width = 480.0, height = 300.0
    var left = 62.0, right = 12.0, top = 10.0, bottom = 44.0

    var plotLeft: Double { left }
    var plotRight: Double { width - right }
    var plotTop: Double { top }
    var plotBottom: Double { height - bottom }

    /// Coordinates with one decimal: enough at any zoom, and a light file.
    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The SVG's opening up to the clipped group the data goes in (closed by `close`).
    func open(id: String, title: String, x: AxisScale, y: AxisScale, xLabel: String, yLabel: String, xMarks: [Double] = [],
              xGrid: Bool = true) -> String {
        let f = Self.f
        var text = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        text += "<title>\(HTML.escape(title))</title>\n<g class=\"grid\">"
        if xGrid {
            for tick in x.ticks { text += "<line x1=\"\(f(x.position(tick)))\" y1=\"\(f(plotTop))\" x2=\"\(f(x.position(tick)))\" y2=\"\(f(plotBottom))\"/>" }
        }
        for tick in y.ticks { text += "<line x1=\"\(f(plotLeft))\" y1=\"\(f(y.position(tick)))\" x2=\"\(f(plotRight))\" y2=\"\(f(y.position(tick)))\"/>" }
        for mark in xMarks { text += "<line class=\"mark\" x1=\"\(f(x.position(mark)))\" y1=\"\(f(plotTop))\" x2=\"\(f(x.position(mark)))\" y2=\"\(f(plotBottom))\"/>" }
        text += "</g>\n<g class=\"ticks\">"
        for tick in x.ticks {
            text += "<text x=\"\(f(x.position(tick)))\" y=\"\(f(plotBottom + 16))\" text-anchor=\"middle\">\(HTML.escape(x.label(tick)))</text>"
        }
        for tick in y.ticks {
            text += "<text x=\"\(f(plotLeft - 5))\" y=\"\(f(y.position(tick) + 4))\" text-anchor=\"end\">\(HTML.escape(y.label(tick)))</text>"
        }
        text += "</g>\n"
        text += "<rect class=\"frame\" x=\"\(f(plotLeft))\" y=\"\(f(plotTop))\" width=\"\(f(plotRight - plotLeft))\" height=\"\(f(plotBottom - plotTop))\"/>\n"
        text += "<text class=\"axis\" x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
        text += "<text class=\"axis\" transform=\"translate(15 \(f((plotTop + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>\n"
        text += "<clipPath id=\"clip-\(id)\"><rect x=\"\(f(plotLeft))\" y=\"\(f(plotTop))\" width=\"\(f(plotRight - plotLeft))\" height=\"\(f(plotBottom - plotTop))\"/></clipPath>\n"
        return text + "<g clip-path=\"url(#clip-\(id))\">\n"
    }

    /// Closes what `open` began.
    static let close = "</g>\n</svg>\n"
}

extension ChartFrame {
    /// For small multiples (a row of four per BPTD configuration): a smaller drawing, so that its
    /// text stays readable at a quarter of the page's width.
    static let small = ChartFrame(width: 340, height: 240, left: 54, right: 10, top: 8, bottom: 40)
}
