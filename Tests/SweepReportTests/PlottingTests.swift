import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TrialFarm
@testable import SweepReport

/// The pieces of the report's charts against values worked out by hand.
struct ScaleTests {
    @Test("nice steps are 1, 2 or 5 times a power of ten, the nearest at or above", arguments: [
        (0.118, 0.2), (3.0, 5.0), (7.0, 10.0), (1.0, 1.0), (0.0042, 0.005), (0.2, 0.2), (120.0, 200.0),
    ])
    func niceSteps(raw: Double, nice: Double) {
        #expect(abs(LinearScale.niceStep(raw) - nice) < 1e-12 * nice)
    }

    @Test("a linear axis widens to round ends and ticks every step")
    func linear() {
        let unit = LinearScale(domain: (0, 1), range: (from: 300, to: 0), tickCount: 6)
        #expect(unit.step == 0.2 && unit.low == 0 && unit.high == 1)
        #expect(unit.ticks.count == 6 && zip(unit.ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(unit.ticks.map(unit.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        // 0.47 … 0.93 in about 6 ticks: raw step 0.092 → 0.1; ends 0.4 and 1.0.
        let accuracy = LinearScale(domain: (0.47, 0.93), range: (from: 300, to: 0), tickCount: 6)
        #expect(accuracy.step == 0.1 && abs(accuracy.low - 0.4) < 1e-12 && abs(accuracy.high - 1.0) < 1e-12)
        #expect(accuracy.ticks.map(accuracy.label) == ["0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"])
        // 0.7 is halfway from 0.4 to 1.0: halfway from 300 to 0.
        #expect(abs(accuracy.position(0.7) - 150) < 1e-9)
        // 0 … 230 in about 5 ticks: raw step 57.5 → 100, no decimals; tiny steps in exponent form.
        let windows = LinearScale(domain: (0, 230), range: (from: 0, to: 1))
        #expect(windows.ticks.map(windows.label) == ["0", "100", "200", "300"])
        let tiny = LinearScale(domain: (0, 3e-5), range: (from: 0, to: 1))
        #expect(tiny.ticks.count == 4 && tiny.label(tiny.ticks[1]) == "1.0e-05")
    }

    @Test("whole-number axes tick on whole numbers; limits keep a fraction within 0 … 1; one value gets a domain around it")
    func integerLimitsAndDegenerate() {
        let epochs = LinearScale(domain: (1, 2), range: (from: 0, to: 1), tickCount: 7, integer: true)
        #expect(epochs.step == 1 && epochs.ticks == [1, 2])
        // 0.45 … 1.04 (a confidence band above 1): raw step 0.118 → 0.2; 0.4 … 1.2, cut at 1.
        let bounded = LinearScale(domain: (0.45, 1.04), range: (from: 0, to: 1), tickCount: 6, limits: 0...1)
        #expect(abs(bounded.low - 0.4) < 1e-12 && bounded.high == 1)
        #expect(bounded.ticks.map(bounded.label) == ["0.4", "0.6", "0.8", "1.0"])
        let single = LinearScale(domain: (0.5, 0.5), range: (from: 0, to: 1), tickCount: 6)
        #expect(single.low <= 0.25 && single.high >= 0.75)
        let zero = LinearScale(domain: (0, 0), range: (from: 0, to: 1))
        #expect(zero.low == -1 && zero.high == 1)
    }

    @Test("a log axis runs from the power of ten below the data to the one above, a tick per power")
    func logarithmic() {
        let scale = LogScale(domain: (0.002, 0.07), range: (from: 100, to: 0))
        #expect(scale.lowExponent == -3 && scale.highExponent == -1)
        #expect(scale.ticks == [1e-3, 1e-2, 1e-1])
        #expect(abs(scale.position(0.01) - 50) < 1e-9)
        #expect(scale.ticks.map(scale.label) == ["10⁻³", "10⁻²", "10⁻¹"])
        #expect(scale.label(1) == "10⁰" && scale.label(100) == "10²")
        // 14 decades: a tick every second power.
        let wide = LogScale(domain: (2e-15, 0.05), range: (from: 0, to: 1))
        #expect(wide.ticks.count == 8 && wide.ticks.first == 1e-15 && abs(wide.ticks[1] / 1e-13 - 1) < 1e-12)
        // One value: a decade around it.
        let single = LogScale(domain: (1, 1), range: (from: 0, to: 1))
        #expect(single.lowExponent == 0 && single.highExponent == 1)
    }
}

struct SeriesTests {
    @Test("the trailing moving average over training windows")
    func movingAverage() {
        // Recorded every 10 windows; a 20-window average takes the points in (x − 20, x].
        let points = zip([10.0, 20, 30, 40, 50], [1.0, 2, 3, 4, 6]).map { SeriesPoint(x: $0, y: $1) }
        #expect(MovingAverage.trailing(points, window: 20).map(\.y) == [1, 1.5, 2.5, 3.5, 5])
        #expect(MovingAverage.trailing(points, window: 30).map(\.y) == [1, 1.5, 2, 3, 13.0 / 3])
        #expect(MovingAverage.trailing(points, window: 1).map(\.y) == [1, 2, 3, 4, 6])
        #expect(MovingAverage.trailing(points, window: 20).map(\.x) == [10, 20, 30, 40, 50])
        #expect(MovingAverage.trailing([], window: 20).isEmpty)
    }

    @Test("a point's band is the Student-t 95% interval of the mean; none for a single value")
    func confidenceBand() throws {
        var statistics = RunningStatistics()
        for value in [1.0, 2, 3] { statistics.add(value) }
        let point = SeriesPoint(x: 4, statistics)
        // mean 2, s = 1, sem = 1/√3, t(0.975, 2) = 4.302652729911275: half-width 2.4841202…
        let half = 4.302652729911275 / 3.0.squareRoot()
        #expect(point.x == 4 && point.y == 2)
        let (low, high) = (try #require(point.low), try #require(point.high))
        #expect(abs(low - (2 - half)) < 1e-9 && abs(high - (2 + half)) < 1e-9)
        var one = RunningStatistics()
        one.add(0.5)
        #expect(SeriesPoint(x: 1, one) == SeriesPoint(x: 1, y: 0.5))
    }

    @Test("thinning averages runs of consecutive points, bands included")
    func thinning() {
        let points = (1...10).map { (n: Int) -> SeriesPoint in
            let x = Double(n)
            return SeriesPoint(x: x, y: 2 * x, low: x, high: 3 * x)
        }
        let thin = SeriesPoint.thinned(points, limit: 5)
        #expect(thin == [SeriesPoint(x: 1.5, y: 3, low: 1.5, high: 4.5), SeriesPoint(x: 3.5, y: 7, low: 3.5, high: 10.5),
                         SeriesPoint(x: 5.5, y: 11, low: 5.5, high: 16.5), SeriesPoint(x: 7.5, y: 15, low: 7.5, high: 22.5),
                         SeriesPoint(x: 9.5, y: 19, low: 9.5, high: 28.5)])
        #expect(SeriesPoint.thinned(points, limit: 10) == points)
    }

    @Test("viridis from dark purple to yellow; categories cycle")
    func palette() {
        #expect(Palette.sequential(0) == "#440154" && Palette.sequential(1) == "#FDE725")
        #expect(Palette.sequential(-1) == "#440154" && Palette.sequential(0.5) == "#23908C")
        #expect(Palette.category(0) == Palette.category(Palette.categorical.count))
    }
}

/// A chart's markup: well-formed XML, the right elements, the data it was given.
struct LineChartTests {
    /// The chart's HTML parsed as XML: element names in document order.
    static func elements(_ html: String) throws -> [String] {
        final class Collector: NSObject, XMLParserDelegate {
            var names: [String] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) { names.append(name) }
        }
        let parser = XMLParser(data: Data(html.utf8))
        let collector = Collector()
        parser.delegate = collector
        guard parser.parse() else { throw parser.parserError ?? NSError(domain: "XMLParser", code: 1) }
        return collector.names
    }

    @Test("two series, one with a band: a polyline each, one band polygon, a legend entry each, escaped names")
    func markup() throws {
        let chart = LineChart(id: "chart-1", title: "Loss <per> epoch", xLabel: "epoch", yLabel: "loss (nats)", series: [
            .init(name: "a & b", color: "#0072B2", points: [SeriesPoint(x: 1, y: 0.7, low: 0.6, high: 0.8), SeriesPoint(x: 2, y: 0.5, low: 0.45, high: 0.55)]),
            .init(name: "c", color: "#E69F00", points: [SeriesPoint(x: 1, y: 0.65), SeriesPoint(x: 2, y: .nan), SeriesPoint(x: 3, y: 0.4)]),
        ], integerX: true, markers: true)
        let html = chart.html
        let names = try Self.elements(html)
        #expect(names.filter { $0 == "polyline" }.count == 2)
        #expect(names.filter { $0 == "polygon" }.count == 1)
        #expect(names.filter { $0 == "circle" }.count == 4)  // the NaN point is not drawn
        #expect(html.contains("<h3>Loss &lt;per&gt; epoch</h3>") && html.contains("a &amp; b</span>"))
        #expect(html.contains("clip-path=\"url(#clip-chart-1)\""))
        // x ticks on epochs 1, 2, 3.
        #expect(html.contains(">1</text>") && html.contains(">3</text>") && !html.contains(">1.5</text>"))
    }

    @Test("a log chart drops values it cannot draw; a chart with nothing to draw says so")
    func logAndEmpty() throws {
        let log = LineChart(id: "chart-2", title: "Norm", xLabel: "lag", yLabel: "norm", series: [
            .init(name: "Δ = 0", color: "#440154", points: [SeriesPoint(x: 0, y: 0), SeriesPoint(x: 1, y: 1e-3), SeriesPoint(x: 2, y: 1e-2)]),
        ], logY: true)
        #expect(try Self.elements(log.html).contains("polyline"))
        #expect(log.html.contains(">10⁻³</text>") && log.html.contains(">10⁻²</text>"))
        let empty = LineChart(id: "chart-3", title: "Nothing", xLabel: "x", yLabel: "y", series: [.init(name: "none", color: "#000", points: [])])
        #expect(empty.html.contains("No data yet.") && !empty.html.contains("<svg"))
    }
}
