import Foundation
import Testing
import TrainingCore
import TrialFarm
@testable import SweepReport

/// The pieces of the report's search view and of its curve charts for searches: number labels,
/// metric ranges, log axes, the top-K selection and its colours.
struct SearchPlotTests {
    @Test("numbers to significant digits: what a legend needs from a random draw", arguments: [
        (0.002518460893081319, 3, "0.00252"), (0.871768156411046, 3, "0.872"), (0.002518460893081319, 4, "0.002518"),
        (3e-4, 3, "0.0003"), (1e-5, 3, "1e-5"), (2.5e-7, 3, "2.5e-7"), (12345.678, 3, "1.23e4"), (123.4, 3, "123"),
        (0.5, 3, "0.5"), (1.0, 3, "1"), (-0.0123456, 3, "-0.0123"), (0.0, 3, "0"), (-0.0, 3, "0"), (0.99, 3, "0.99"),
    ])
    func significantDigits(value: Double, digits: Int, text: String) {
        #expect(SignificantDigits.format(value, digits: digits) == text)
    }

    @Test("as many digits as keep different values apart, never fewer than 3")
    func distinguishingDigits() {
        #expect(SignificantDigits.distinguishing([0.002518460893081319, 0.871768156411046]) == 3)
        // 0.0025184 and 0.0025191 are both 0.00252 at 3 digits; 0.002518 and 0.002519 at 4.
        #expect(SignificantDigits.distinguishing([0.0025184, 0.0025191, 0.1]) == 4)
        #expect(SignificantDigits.distinguishing([0.1, 0.1]) == 3)
        #expect(SignificantDigits.distinguishing([1.0, 1.0.nextUp]) == 17)
    }

    @Test("intervals are clipped to it and the note says to what")
    func metricRanges() throws {
        let accuracy = MetricRange.of(.testAccuracy)
        #expect(accuracy.clip(SeriesPoint(x: 3, y: 0.95, low: 0.85, high: 1.07)) == SeriesPoint(x: 3, y: 0.95, low: 0.85, high: 1))
        #expect(accuracy.note == "95% intervals clipped to [0, 1].")
        let loss = MetricRange.of(.trainLoss)
        #expect(loss.clip(SeriesPoint(x: 1, y: 0.02, low: -0.03, high: 0.07)) == SeriesPoint(x: 1, y: 0.02, low: 0, high: 0.07))
        #expect(loss.note == "95% intervals clipped to [0, ∞).")
        let cosine = MetricRange.of(.gradCosine)
        #expect(cosine.clip(-1.4) == -1 && cosine.clip(1.2) == 1 && cosine.clip(0.3) == 0.3)
        #expect(cosine.text == "[−1, 1]")
        for metric in [Metric.gradNorm, .stateGradientNorm, .weightHHSigmaMax, .weightHHSecondMomentNorm] {
            #expect(MetricRange.of(metric) == .nonNegative)
        }
        #expect(MetricRange.of(.lagWeight) == .fraction && MetricRange.of(.testLoss) == .nonNegative)
        // A point without a band keeps none.
        #expect(accuracy.clip(SeriesPoint(x: 1, y: 0.5)) == SeriesPoint(x: 1, y: 0.5))
    }

    @Test("a parameter's axis is logarithmic where its distribution is, or where its values span two decades")
    func logAxes() throws {
        let logUniform = try ParameterDistribution.make("log_uniform_values", ["min": 1e-4, "max": 1e-2], texts: ["min": "1e-4", "max": "1e-2"]).get()
        let quantized = try ParameterDistribution.make("q_log_uniform_values", ["min": 1, "max": 512, "q": 1], texts: ["min": "1", "max": "512", "q": "1"]).get()
        let uniform = try ParameterDistribution.make("uniform", ["min": 0.8, "max": 0.99], texts: ["min": "0.8", "max": "0.99"]).get()
        let logNormal = try ParameterDistribution.make("log_normal", [:], texts: [:]).get()
        // Log-scaled distributions: log, however narrow the values drawn so far.
        #expect(SweepReport.logAxis(logUniform, values: [0.002, 0.003]))
        #expect(SweepReport.logAxis(quantized, values: [8, 16]) && SweepReport.logAxis(logNormal, values: [1, 2]))
        #expect(!SweepReport.logAxis(uniform, values: [0.81, 0.97]))
        // Grids: by the span of the values.
        #expect(SweepReport.logAxis(nil, values: [1e-4, 1e-3, 1e-2]))
        #expect(SweepReport.logAxis(nil, values: [1, 100]))
        #expect(!SweepReport.logAxis(nil, values: [1, 99]))
        #expect(!SweepReport.logAxis(nil, values: [0, 1, 1000]))  // no log of 0
        #expect(!SweepReport.logAxis(nil, values: [4]))
    }

    @Test("the top K by the sweep's metric, best first, ties in configuration order, those without a value last")
    func topK() throws {
        let scores: [Double?] = [0.5, nil, 0.9, 0.7, 0.9]
        let maximize = CurveSelection(scores: scores, goal: .maximize, top: 3)
        #expect(maximize.ranked == [2, 4, 3, 0, 1] && maximize.shown == [2, 4, 3])
        #expect(maximize.cut(noun: "configurations", metric: .testAccuracy) == "top 3 of 5 configurations by test_acc")
        let minimize = CurveSelection(scores: scores, goal: .minimize, top: 2)
        #expect(minimize.ranked == [0, 3, 2, 4, 1] && minimize.shown == [0, 3])
        let all = CurveSelection(scores: scores, goal: .maximize, top: 10)
        #expect(all.shown.count == 5 && all.cut(noun: "configurations", metric: .testAccuracy) == nil)
        // Colours by rank, and the same for a series in any chart.
        #expect(maximize.color(2) == Palette.categorical[0] && maximize.color(4) == Palette.categorical[1])
        #expect(maximize.color(0) == "#b4b4b4")  // not shown: the grey of the left-out
        // Restricted to some series (BPTD's): the top K among them; a shown series keeps its
        // colour, the others take one no shown series has.
        let bptd = maximize.restricted(to: [0, 1, 3])
        #expect(bptd.shown == [3, 0, 1])
        #expect(bptd.color(3) == maximize.color(3))
        let taken = Set(maximize.shown.map(maximize.color))
        #expect(!taken.contains(bptd.color(0)) && !taken.contains(bptd.color(1)) && bptd.color(0) != bptd.color(1))
    }

    @Test("the palette: at least 10 colours (the default --top), no two alike in CIELAB, none repeated in a chart of that many")
    func paletteDistinct() {
        let palette = Palette.categorical
        #expect(palette.count >= 16 && Set(palette).count == palette.count)
        for (i, a) in palette.enumerated() {
            for b in palette[(i + 1)...] { #expect(Self.deltaE(a, b) >= 20, "\(a) \(b): ΔE \(Self.deltaE(a, b))") }
        }
        let selection = CurveSelection(scores: (0..<palette.count + 2).map { Double($0) }, goal: .maximize, top: palette.count)
        #expect(Set(selection.shown.map(selection.color)).count == palette.count)
    }

    /// CIE 1976 colour difference of two "#RRGGBB" colours (sRGB, D65).
    static func deltaE(_ a: String, _ b: String) -> Double {
        func lab(_ hex: String) -> (Double, Double, Double) {
            let value = Int(hex.dropFirst(), radix: 16)!
            let linear = [16, 8, 0].map { shift -> Double in
                let c = Double((value >> shift) & 0xFF) / 255
                return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
            }
            let (r, g, b) = (linear[0], linear[1], linear[2])
            let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
            let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
            let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
            let f = { (t: Double) in t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
            return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))
        }
        let (p, q) = (lab(a), lab(b))
        return ((p.0 - q.0) * (p.0 - q.0) + (p.1 - q.1) * (p.1 - q.1) + (p.2 - q.2) * (p.2 - q.2)).squareRoot()
    }
}

/// The search view's charts: well-formed, the right marks, clipped intervals said so.
struct SearchChartTests {
    @Test("a scatter: a dot and a bar per configuration, bars clipped to the metric's range, the note under it")
    func scatter() throws {
        let chart = ScatterChart(id: "chart-1", title: "test_acc against lr", xLabel: "lr (log scale)", yLabel: "test_acc", points: [
            .init(x: 1e-4, y: 0.5, low: 0.4, high: 0.6, label: "lr=0.0001", color: "#0072B2"),
            .init(x: 3e-3, y: 0.97, low: 0.9, high: 1.04, label: "lr=0.003 & more", color: "#E69F00"),
            .init(x: 0, y: 0.7, label: "lr=0: not on a log axis", color: "#000000"),
        ], xAxis: .log, valueRange: .fraction)
        let html = chart.html
        let names = try LineChartTests.elements(html)
        #expect(names.filter { $0 == "circle" }.count == 2 && html.components(separatedBy: "<g class=\"dot\">").count - 1 == 2)
        #expect(html.contains(">10⁻⁴</text>") && html.contains(">10⁻²</text>"))
        #expect(html.contains("95% intervals clipped to [0, 1].") && html.contains("lr=0.003 &amp; more"))
        // The clipped bar ends at the plot's top (y = 1 is the axis's upper limit), not above it.
        let frame = ChartFrame()
        #expect(html.contains("y2=\"\(ChartFrame.f(frame.plotTop))\""))
    }

    @Test("a strip plot spreads the dots of one choice across its slot")
    func strip() {
        let chart = ScatterChart(id: "c", title: "t", xLabel: "optimizer", yLabel: "y", points: [
            .init(x: 0, y: 1, label: "a", color: "#000"), .init(x: 0, y: 2, label: "b", color: "#000"),
            .init(x: 0, y: 3, label: "c", color: "#000"), .init(x: 1, y: 2, label: "d", color: "#000"),
        ], xAxis: .categories(["adam", "sgd"]))
        #expect(chart.horizontal(chart.points) == [-0.25, 0, 0.25, 1])
        #expect(chart.html.contains(">adam</text>") && chart.html.contains(">sgd</text>"))
    }

    @Test("parallel coordinates: a line per configuration with a value, the best drawn last and darkest")
    func parallel() throws {
        let chart = ParallelCoordinates(id: "p", title: "Parallel coordinates", axes: [
            .init(name: "lr", values: [1e-4, 1e-3, 1e-2], scale: .log),
            .init(name: "method", values: [0, 1, 0], scale: .categories(["bptt", "bptd"])),
            .init(name: "test_acc", values: [0.6, nil, 0.9], scale: .linear),
        ], labels: ["worst", "none", "best"], goodness: [0, nil, 1], legend: "test_acc", note: nil)
        let html = chart.html
        let names = try LineChartTests.elements(html)
        #expect(names.filter { $0 == "polyline" }.count == 2)
        let worst = try #require(html.range(of: "<title>worst</title>")), best = try #require(html.range(of: "<title>best</title>"))
        #expect(worst.lowerBound < best.lowerBound)
        #expect(html.contains("stroke=\"\(ParallelCoordinates.color(1))\"") && ParallelCoordinates.color(1) == Palette.sequential(0))
        #expect(html.contains(">bptd</text>") && html.contains(">10⁻³</text>"))
    }

    @Test("a line chart with a metric range clips its bands and says so; without bands it says nothing of them")
    func clippedBands() throws {
        let banded = LineChart(id: "a", title: "acc", xLabel: "epoch", yLabel: "acc", series: [
            .init(name: "x", color: "#000", points: [SeriesPoint(x: 1, y: 0.9, low: 0.7, high: 1.2), SeriesPoint(x: 2, y: 0.95, low: 0.8, high: 1.1)]),
        ], integerX: true, valueRange: .fraction)
        #expect(banded.html.contains("95% intervals clipped to [0, 1].") && banded.html.contains("fill-opacity=\"0.18\""))
        #expect(!banded.html.contains(">1.2</text>"))  // the axis stops at 1
        let lines = LineChart(id: "b", title: "cos", xLabel: "lag", yLabel: "cos", series: [
            .init(name: "y", color: "#000", points: [SeriesPoint(x: 0, y: 0.5), SeriesPoint(x: 1, y: 0.2)]),
        ], valueRange: .cosine)
        #expect(!lines.html.contains("clipped"))
        #expect(LineChart.bandOpacity(10) == "0.05" && LineChart.bandOpacity(4) == "0.09")
    }
}
