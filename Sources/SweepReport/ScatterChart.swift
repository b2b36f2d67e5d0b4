import Foundation

/// One dot per configuration: a parameter's value (x) against the sweep's metric (y), with the
/// seeds' 95% interval as a vertical bar — what a search's "parameter importance" scatter shows
/// in W&B or Optuna. For a parameter of choices the x axis has a slot per choice and the dots of
/// one choice are spread across its slot (a strip plot), so that they do not hide each other.
struct ScatterChart {
    struct Point {
        /// The parameter's value, or for choices the choice's index.
        var x: Double
        var y: Double
        var low: Double?
        var high: Double?
        /// What hovering the dot says (the configuration and its numbers).
        var label: String
        var color: String
    }

    enum XAxis {
        case linear
        case log
        case categories([String])
    }

    var id: String
    var title: String
    var xLabel: String
    var yLabel: String
    var points: [Point]
    var xAxis: XAxis
    var valueRange: MetricRange?
    var note: String?
    var frame = ChartFrame()

    var html: String {
        var shown = points.filter { $0.x.isFinite && $0.y.isFinite }
        if case .log = xAxis { shown.removeAll { $0.x <= 0 } }
        shown = shown.map { point in
            var point = point
            (point.low, point.high) = (point.low.map { valueRange?.clip($0) ?? $0 }, point.high.map { valueRange?.clip($0) ?? $0 })
            return point
        }
        var text = "<figure class=\"chart\" id=\"\(id)\">\n<h3>\(HTML.escape(title))</h3>\n"
        text += shown.isEmpty ? "<p class=\"empty\">No data yet.</p>\n" : svg(shown)
        let caption = [note, shown.contains { $0.low != nil } ? valueRange?.note : nil].compactMap { $0 }.joined(separator: " ")
        if !caption.isEmpty { text += "<figcaption>\(HTML.escape(caption))</figcaption>\n" }
        return text + "</figure>\n"
    }

    /// Where each dot goes across: its value, or within its choice's slot, spread evenly in the
    /// middle half of the slot in the order given.
    func horizontal(_ points: [Point]) -> [Double] {
        guard case .categories = xAxis else { return points.map(\.x) }
        var seen: [Double: Int] = [:], count: [Double: Int] = [:]
        for point in points { count[point.x, default: 0] += 1 }
        return points.map { point in
            let n = count[point.x]!, i = seen[point.x, default: 0]
            seen[point.x] = i + 1
            return n == 1 ? point.x : point.x + (Double(i) / Double(n - 1) - 0.5) * 0.5
        }
    }

    func svg(_ points: [Point]) -> String {
        let xs = horizontal(points)
        let ys = points.flatMap { [$0.y, $0.low, $0.high].compactMap { $0 }.filter(\.isFinite) }
        let range = (from: frame.plotLeft + 8, to: frame.plotRight - 8)  // dots at the ends stay whole
        let x: AxisScale = switch xAxis {
        case .linear: LinearScale(domain: (xs.min()!, xs.max()!), range: range, tickCount: 5)
        case .log: LogScale(domain: (xs.min()!, xs.max()!), range: range)
        case .categories(let names): CategoryScale(names, range: (frame.plotLeft, frame.plotRight))
        }
        let y = LinearScale(domain: (ys.min()!, ys.max()!), range: (frame.plotBottom, frame.plotTop), tickCount: 6, limits: valueRange?.limits)
        let f = ChartFrame.f
        var text = frame.open(id: id, title: title, x: x, y: y, xLabel: xLabel, yLabel: yLabel, xGrid: !(x is CategoryScale))
        for (point, across) in zip(points, xs) {
            let cx = f(x.position(across))
            text += "<g class=\"dot\"><title>\(HTML.escape(point.label))</title>"
            if let low = point.low, let high = point.high {
                text += "<line stroke=\"\(point.color)\" x1=\"\(cx)\" y1=\"\(f(y.position(low)))\" x2=\"\(cx)\" y2=\"\(f(y.position(high)))\"/>"
            }
            text += "<circle fill=\"\(point.color)\" cx=\"\(cx)\" cy=\"\(f(y.position(point.y)))\" r=\"3.5\"/></g>\n"
        }
        return text + ChartFrame.close
    }
}
