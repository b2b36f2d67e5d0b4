import TrainingCore
import TrialFarm

// The per-configuration curve charts: learning curves, the vanishing-gradient probe and BPTD's
// lag profile at the end of training — the top K series only, with one legend per section.
extension SweepReport {
    /// The series the curve charts draw: the top `options.top` by the sweep's metric.
    static func selection(_ data: ReportData, options: Options) -> CurveSelection {
        CurveSelection(scores: data.seriesScores(grouped: options.groupBy != nil), goal: data.plan.sweep.goal, top: options.top)
    }

    /// A series' name in legends: its label and its trials, "lr=0.00252 (3 completed)".
    static func legendName(_ data: ReportData, _ series: Int) -> String {
        "\(data.seriesNames[series]) (\(data.counts(series)))"
    }

    /// One curve per shown series, best first, each in its colour and without a legend of its
    /// own: the section's legend names them once for all its charts.
    static func curves(_ data: ReportData, _ selection: CurveSelection, _ points: (Int) -> [SeriesPoint]) -> [LineChart.Series] {
        selection.shown.map { LineChart.Series(name: legendName(data, $0), color: selection.color($0), points: points($0)) }
    }

    /// The legend above a section's charts, and what it leaves out.
    static func sharedLegend(_ data: ReportData, _ selection: CurveSelection, grouped: Bool, scope: String = "") -> String {
        var text = ""
        if let cut = selection.cut(noun: (scope.isEmpty ? "" : scope + " ") + (grouped ? "groups" : "configurations"), metric: data.plan.sweep.metric) {
            text += "<p class=\"cut\">Curves of the \(HTML.escape(cut)) at the last epoch (the leaderboard lists them all; <code>--top</code> sets how many).</p>\n"
        }
        text += "<div class=\"legend shared\">"
        for series in selection.shown {
            text += "<span><i style=\"border-color:\(selection.color(series))\"></i>\(HTML.escape(legendName(data, series)))</span>"
        }
        return text + "</div>\n"
    }

    /// " (recorded every 5 windows)" where the whole sweep records per-window metrics alike.
    static func recordedEvery(_ plan: SweepPlan) -> String {
        let every = Set(plan.configurations.map(\.metricsEvery))
        return every.count == 1 ? " (recorded every \(every.first!) windows)" : ""
    }

    /// Test and train accuracy and loss per epoch, and the train loss per recorded window.
    static func learningCurves(_ data: ReportData, selection: CurveSelection, options: Options, charts: inout ChartNumbering) -> String {
        func epochChart(_ metric: Metric, _ title: String, _ unit: String, note: String = "") -> LineChart {
            LineChart(id: charts.next(), title: title, xLabel: "epoch", yLabel: unit,
                      series: curves(data, selection) { ReportData.points(data.perEpoch[.init(series: $0, metric: metric, lag: -1)]) },
                      integerX: true, markers: true,
                      note: note + "Mean across seeds, with its 95% confidence interval (Student's t) shaded.",
                      valueRange: MetricRange.of(metric), legend: false)
        }
        var page = "<section id=\"learning\">\n<h2>Learning curves</h2>\n"
        page += sharedLegend(data, selection, grouped: options.groupBy != nil)
        page += "<div class=\"charts\">\n"
        page += epochChart(.testAccuracy, "Test accuracy per epoch", "test accuracy (fraction correct)").html
        page += epochChart(.trainLoss, "Train loss per epoch", "train loss (nats)", note: "The mean over the epoch's windows. ").html
        page += LineChart(id: charts.next(), title: "Train loss per window", xLabel: "training window (parameter update)",
                          yLabel: "train loss (nats)",
                          series: curves(data, selection) { SeriesPoint.thinned(ReportData.points(data.perWindow[.init(series: $0, metric: .trainLoss, lag: -1)]), limit: 400) },
                          note: "Mean across seeds of each recorded window\(recordedEvery(data.plan)), 95% band shaded.",
                          valueRange: MetricRange.of(.trainLoss), legend: false).html
        page += epochChart(.testLoss, "Test loss per epoch", "test loss (nats)").html
        page += epochChart(.trainAccuracy, "Train accuracy per epoch", "train accuracy (fraction correct)").html
        return page + "</div>\n</section>\n"
    }

    /// The vanishing-gradient probe and W_hh's largest singular value.
    static func probe(_ data: ReportData, selection: CurveSelection, options: Options, charts: inout ChartNumbering) -> String {
        var page = "<section id=\"probe\">\n<h2>Vanishing gradients</h2>\n"
        // The learning curves' legend is just above; the same lines need no second copy.
        page += "<p class=\"cut\">The same \(selection.shown.count == 1 ? "curve" : "curves") and colours as the learning curves.</p>\n"
        page += "<div class=\"charts\">\n"
        page += LineChart(id: charts.next(), title: "‖∂L/∂h_t‖ in the last window", xLabel: "steps before the window's end (T − t)",
                          yLabel: "‖∂L/∂h_t‖ (log scale)",
                          series: curves(data, selection) { ReportData.points(data.probe[.init(series: $0, metric: .stateGradientNorm, lag: -1)]) },
                          logY: true, integerX: true, markers: true,
                          note: "The norm of the loss's gradient with respect to each hidden state of the last training window of the last epoch, mean across seeds: how fast it decays into the past.",
                          valueRange: MetricRange.of(.stateGradientNorm), legend: false).html
        page += LineChart(id: charts.next(), title: "Largest singular value of W_hh", xLabel: "training window (parameter update)",
                          yLabel: "σ_max(weight_hh_l0)",
                          series: curves(data, selection) { SeriesPoint.thinned(ReportData.points(data.perWindow[.init(series: $0, metric: .weightHHSigmaMax, lag: -1)]), limit: 400) },
                          note: "Above 1 the recurrence can amplify; below 1 it contracts. Mean across seeds, 95% band shaded.",
                          valueRange: MetricRange.of(.weightHHSigmaMax), legend: false).html
        return page + "</div>\n</section>\n"
    }

    /// BPTD's lag profile where training ended: per lag Δ, the gradient cosine and norm of the last
    /// recorded window of the last epoch, one line per BPTD series — the configurations side by
    /// side, which the per-configuration charts below cannot show. Empty without BPTD series.
    static func crossLag(_ data: ReportData, selection: CurveSelection, options: Options, charts: inout ChartNumbering) -> String {
        let bptd = selection.restricted(to: data.bptdSeries)
        guard !bptd.shown.isEmpty else { return "" }
        func chart(_ metric: Metric, _ title: String, _ unit: String, logY: Bool, note: String) -> LineChart {
            LineChart(id: charts.next(), title: title, xLabel: "lag Δ", yLabel: unit,
                      series: curves(data, bptd) { data.lastWindow(metric, series: $0) },
                      logY: logY, integerX: true, markers: true, note: note, valueRange: MetricRange.of(metric), legend: false)
        }
        var page = "<section id=\"lags\">\n<h2>BPTD: lags at the end of training</h2>\n"
        page += sharedLegend(data, bptd, grouped: options.groupBy != nil, scope: "BPTD")
        page += "<div class=\"charts\">\n"
        page += chart(.gradCosine, "Cosine of consecutive gradients against lag", "cos(G[Δ], previous window)", logY: false,
                      note: "Each lag group's gradient against its value one window before, in the last recorded window of the last epoch: mean across seeds, 95% interval shaded.").html
        page += chart(.gradNorm, "Gradient norm against lag", "‖G[Δ]‖ before clipping (log scale)", logY: true,
                      note: "Each lag group's gradient norm before clipping in the last recorded window of the last epoch: mean across seeds, 95% interval shaded.").html
        return page + "</div>\n</section>\n"
    }
}
