import TrainingCore
import TrialFarm

// The search view: what a search found, parameter by parameter — the view a W&B or Optuna user
// looks for first after a random or bayes search, and which the curve charts cannot give.
extension SweepReport {
    /// Whether a parameter's axis is logarithmic: where the sweep draws it log-scaled (the
    /// `log_uniform…`, `inv_log_uniform…` and `log_normal` families), or where its values, all
    /// positive, span two decades or more (a grid of 1e-4, 1e-3, 1e-2).
    static func logAxis(_ distribution: ParameterDistribution?, values: [Double]) -> Bool {
        switch distribution?.shape {
        case .logUniform?, .inverseLogUniform?, .logNormal?: return true
        default:
            let finite = values.filter(\.isFinite)
            guard let low = finite.min(), let high = finite.max(), low > 0 else { return false }
            return high / low >= 100
        }
    }

    /// A varied parameter as an axis: its value per configuration, and the axis it needs.
    static func parameterAxis(_ name: String, plan: SweepPlan) -> ParallelCoordinates.Axis {
        let values = plan.configurations.map { $0.value(of: name) }
        let numbers = values.map { value -> Double? in
            switch value {
            case .integer(let n)?: Double(n)
            case .unsigned(let n)?: Double(n)
            case .real(let x)?: x
            default: nil
            }
        }
        if numbers.allSatisfy({ $0 != nil }) {
            let distribution: ParameterDistribution? = plan.sweep.parameters.first { $0.name == name }.flatMap {
                if case .distribution(let d) = $0.specification { d } else { nil }
            }
            return .init(name: name, values: numbers, scale: logAxis(distribution, values: numbers.map { $0! }) ? .log : .linear)
        }
        // Choices, in the order the sweep first uses them.
        var names: [String] = []
        for value in values { let text = value?.description ?? ""; if !names.contains(text) { names.append(text) } }
        return .init(name: name, values: values.map { Double(names.firstIndex(of: $0?.description ?? "")!) }, scale: .categories(names))
    }

    /// "test_acc 0.912 [0.881, 0.943], 3 seeds": a configuration's numbers, for hovering.
    static func scoreText(_ statistics: RunningStatistics, metric: Metric) -> String {
        let range = MetricRange.of(metric)
        let interval = statistics.confidenceInterval95.map {
            " [\(SignificantDigits.format(range.clip($0.low))), \(SignificantDigits.format(range.clip($0.high)))]"
        } ?? ""
        return "\(metric.rawValue) \(SignificantDigits.format(statistics.mean))\(interval), \(statistics.count) seed\(statistics.count == 1 ? "" : "s")"
    }

    /// For a sweep where parameters vary: per varied parameter a scatter (a strip plot for
    /// choices) of its value against the sweep's metric at the last epoch, one dot per
    /// configuration with its seeds' 95% interval, and parallel coordinates over all of them.
    static func parameterSearch(_ data: ReportData, selection: CurveSelection, options: Options, charts: inout ChartNumbering) -> String {
        let plan = data.plan, metric = plan.sweep.metric
        guard !plan.variedParameters.isEmpty else { return "" }
        let scored = plan.configurations.indices.filter { data.ranked[$0] != nil }
        let axes = plan.variedParameters.map { parameterAxis($0, plan: plan) }
        let epochs = Set(plan.configurations.map(\.epochs))
        let yLabel = "\(metric.rawValue) at epoch \(epochs.count == 1 ? String(epochs.first!) : "last") (mean)"
        let color = { (c: Int) in selection.color(data.seriesOfConfiguration[c]) }
        let label = { (c: Int) in "\(plan.labels(c, data)) — \(scoreText(data.ranked[c]!, metric: metric))" }
        let unscored = plan.configurations.count - scored.count
        let leftOut = unscored > 0 ? " \(unscored) configuration\(unscored == 1 ? "" : "s") without a completed trial left out." : ""
        var page = "<section id=\"parameters\">\n<h2>Search: \(HTML.escape(metric.rawValue)) against each parameter</h2>\n<div class=\"charts\">\n"
        for axis in axes {
            let points = scored.map { c in
                let statistics = data.ranked[c]!, interval = statistics.confidenceInterval95
                return ScatterChart.Point(x: axis.values[c]!, y: statistics.mean, low: interval?.low, high: interval?.high,
                                          label: label(c), color: color(c))
            }
            let scale = if case .log = axis.scale { " (log scale)" } else { "" }
            page += ScatterChart(id: charts.next(), title: "\(metric.rawValue) against \(axis.name)", xLabel: axis.name + scale, yLabel: yLabel,
                                 points: points, xAxis: axis.scale, valueRange: MetricRange.of(metric),
                                 note: "One dot per configuration: the mean across its seeds, the bar its 95% interval; coloured as in the curve charts, grey if not drawn there.\(leftOut)").html
        }
        page += "</div>\n<div class=\"charts\">\n"
        page += parallelCoordinates(data, axes: axes, scored: scored, label: label, charts: &charts, leftOut: leftOut)
        return page + "</div>\n</section>\n"
    }

    /// Parallel coordinates over `axes` and the metric, a line per scored configuration.
    static func parallelCoordinates(_ data: ReportData, axes: [ParallelCoordinates.Axis], scored: [Int], label: (Int) -> String,
                                    charts: inout ChartNumbering, leftOut: String) -> String {
        let plan = data.plan, metric = plan.sweep.metric
        let means = plan.configurations.indices.map { data.ranked[$0]?.mean }
        let values = scored.map { means[$0]! }.filter(\.isFinite)
        let (worst, best) = plan.sweep.goal == .maximize ? (values.min() ?? 0, values.max() ?? 1) : (values.max() ?? 1, values.min() ?? 0)
        let goodness = means.map { mean in mean.map { best == worst ? 1 : min(max(($0 - worst) / (best - worst), 0), 1) } }
        let metricAxis = ParallelCoordinates.Axis(name: metric.rawValue, values: means, scale: .linear)
        let labels = plan.configurations.indices.map { data.ranked[$0] == nil ? "" : label($0) }
        return ParallelCoordinates(id: charts.next(), title: "Parallel coordinates: the parameters and \(metric.rawValue)", axes: axes + [metricAxis],
                                   labels: labels, goodness: goodness,
                                   legend: "\(metric.rawValue) (mean across seeds at the last epoch): \(SignificantDigits.format(best)), the best, darkest and on top … \(SignificantDigits.format(worst)) lightest",
                                   note: "One line per configuration through its parameter values and its \(metric.rawValue).\(leftOut)").html
    }
}

extension SweepPlan {
    /// Configuration `c`'s varied parameters, as the report writes them.
    fileprivate func labels(_ c: Int, _ data: ReportData) -> String {
        variedParameters.isEmpty ? "config \(SweepPlan.hex(configurationIDs[c]).prefix(8))" : data.labels.label(variedParameters, of: configurations[c])
    }
}
