import TrainingCore
import TrialFarm

/// What a report shows, gathered in one pass over an output folder's finished trials. Trials are
/// read one at a time from the folder's durable store (the journal and completed.csv, as
/// `summarize` reads them), never the whole sweep at once — which also works while the sweep
/// runs, when metrics.csv is not yet written. Statistics are across the completed trials of each
/// series; diverged trials are counted, not averaged (as in summary.csv).
struct ReportData {
    /// A curve's identity: which series, which metric, and the lag (−1 for none).
    struct Key: Hashable {
        var series: Int
        var metric: Metric
        var lag: Int
    }

    let plan: SweepPlan
    /// How parameter values are written (legends, tables, charts).
    let labels: ParameterLabels
    /// The series: one per configuration, or one per value of the --group-by parameter. Their
    /// labels, and each configuration's series.
    let seriesNames: [String]
    let seriesOfConfiguration: [Int]
    /// Series with BPTD trials (their per-lag charts).
    var bptdSeries: Set<Int> = []
    /// Per-epoch metrics by epoch; per-window metrics by window (step); the ‖∂L/∂h_t‖ probe of each
    /// trial's last epoch by lag.
    var perEpoch: [Key: [Int: RunningStatistics]] = [:]
    var perWindow: [Key: [Int: RunningStatistics]] = [:]
    var probe: [Key: [Int: RunningStatistics]] = [:]
    /// Per configuration: the sweep's metric at its last epoch (the leaderboard's statistic).
    var ranked: [RunningStatistics?]
    /// Per configuration: its trials by status.
    let configurationCounts: [TrialCounts]
    /// With early stopping, per configuration: the sweep's metric by epoch over its completed and
    /// pruned trials (the evidence its rungs were decided on).
    var rungCurves: [[Int: RunningStatistics]] = []

    static let epochMetrics: [Metric] = [.testAccuracy, .trainLoss, .testLoss, .trainAccuracy]
    static let windowMetrics: [Metric] = [.trainLoss, .gradCosine, .gradNorm, .weightHHFirstMomentNorm,
                                          .weightHHSecondMomentNorm, .weightHHSigmaMax, .lagWeight]

    init(store: ResultStore, groupBy: String?) throws {
        let plan = store.plan
        self.plan = plan
        let parameterLabels = ParameterLabels(plan: plan)
        labels = parameterLabels
        if let groupBy {
            let labels = plan.configurations.map { parameterLabels.label([groupBy], of: $0) }
            var names: [String] = []
            for label in labels where !names.contains(label) { names.append(label) }
            seriesNames = names
            seriesOfConfiguration = labels.map { names.firstIndex(of: $0)! }
        } else {
            seriesNames = plan.configurations.enumerated().map { index, configuration in
                plan.variedParameters.isEmpty ? "config \(SweepPlan.hex(plan.configurationIDs[index]).prefix(8))"
                    : parameterLabels.label(plan.variedParameters, of: configuration)
            }
            seriesOfConfiguration = Array(plan.configurations.indices)
        }
        ranked = [RunningStatistics?](repeating: nil, count: plan.configurations.count)
        configurationCounts = store.countsByConfiguration()
        if plan.sweep.earlyTerminate != nil {
            rungCurves = Array(repeating: [:], count: plan.configurations.count)
            for (index, trial) in plan.trials.enumerated() where [.completed, .pruned].contains(store.status(index)) {
                try store.forEachRecord(of: index, perEpochOnly: true) { record in
                    guard record.metric == plan.sweep.metric, record.lag == nil else { return }
                    rungCurves[Int(trial.configuration)][record.epoch, default: RunningStatistics()].add(record.value)
                }
            }
        }

        for (index, trial) in plan.trials.enumerated() where store.status(index) == .completed {
            let configuration = Int(trial.configuration), series = seriesOfConfiguration[configuration]
            let config = plan.configurations[configuration]
            if config.method == .bptd { bptdSeries.insert(series) }
            var probeRows: [(epoch: Int, lag: Int, value: Double)] = []
            try store.forEachRecord(of: index) { record in
                let (epoch, metric, lag, value) = (record.epoch, record.metric, record.lag, record.value)
                if let step = record.step {
                    guard Self.windowMetrics.contains(metric) else { return }
                    perWindow[Key(series: series, metric: metric, lag: lag ?? -1), default: [:]][step, default: RunningStatistics()].add(value)
                } else if metric == .stateGradientNorm, let lag {
                    probeRows.append((epoch, lag, value))
                } else if Self.epochMetrics.contains(metric) {
                    perEpoch[Key(series: series, metric: metric, lag: lag ?? -1), default: [:]][epoch, default: RunningStatistics()].add(value)
                    if metric == plan.sweep.metric && epoch == config.epochs && lag == nil {
                        if ranked[configuration] == nil { ranked[configuration] = RunningStatistics() }
                        ranked[configuration]!.add(value)
                    }
                }
            }
            if let last = probeRows.map(\.epoch).max() {
                for row in probeRows where row.epoch == last {
                    probe[Key(series: series, metric: .stateGradientNorm, lag: -1), default: [:]][row.lag, default: RunningStatistics()].add(row.value)
                }
            }
        }
    }

    /// A curve of per-epoch or per-window statistics: x ascending, with bands.
    static func points(_ statistics: [Int: RunningStatistics]?) -> [SeriesPoint] {
        (statistics ?? [:]).keys.sorted().map { SeriesPoint(x: Double($0), statistics![$0]!) }
    }

    /// Per series: the sweep's metric at the last epoch, mean across seeds — per configuration the
    /// leaderboard's statistic; for a group, its trials' at the group's last epoch.
    func seriesScores(grouped: Bool) -> [Double?] {
        guard grouped else { return ranked.map { $0?.mean } }
        return seriesNames.indices.map { series in
            let curve = perEpoch[Key(series: series, metric: plan.sweep.metric, lag: -1)] ?? [:]
            return curve.keys.max().map { curve[$0]!.mean }
        }
    }

    /// Per lag of `metric` in `series`: the statistics of its last recorded window (the last
    /// epoch's), across seeds — where a training run ended up, lag by lag.
    func lastWindow(_ metric: Metric, series: Int) -> [SeriesPoint] {
        lags(metric, series: series).compactMap { lag in
            let curve = perWindow[Key(series: series, metric: metric, lag: lag)] ?? [:]
            return curve.keys.max().map { SeriesPoint(x: Double(lag), curve[$0]!) }
        }
    }

    /// The lags that have per-window rows of `metric` in `series`, ascending.
    func lags(_ metric: Metric, series: Int) -> [Int] {
        perWindow.keys.filter { $0.series == series && $0.metric == metric && $0.lag >= 0 }.map(\.lag).sorted()
    }

    /// The trials of `series`, in words: "8 completed, 1 diverged".
    func counts(_ series: Int) -> String {
        let counts = configurationCounts.indices.filter { seriesOfConfiguration[$0] == series }.map { configurationCounts[$0] }
            .reduce(TrialCounts(), +)
        var parts = ["\(counts.completed) completed"]
        for (n, word) in [(counts.diverged, "diverged"), (counts.pruned, "pruned"), (counts.failed, "failed"), (counts.pending, "not finished")] where n > 0 {
            parts.append("\(n) \(word)")
        }
        return parts.joined(separator: ", ")
    }
}
