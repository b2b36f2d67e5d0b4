import Foundation
import TrainingCore
import TrialFarm

/// `depthfarm report`: one self-contained HTML file — inline SVG and CSS, no scripts, fonts or
/// anything else fetched — with the figures of the BPTD write-up for a sweep's output folder: the
/// learning curves averaged over seeds with 95% confidence bands, the ‖∂L/∂h_t‖ probe, and for
/// BPTD the per-lag gradient cosines, gradient norms, Adam moments and lag weights, and W_hh's
/// largest singular value. Works on a folder whose sweep still runs (what has finished so far).
public enum SweepReport {
    /// Options of a report.
    public struct Options: Sendable {
        /// One curve per value of this parameter (trials of every configuration with that value
        /// averaged together) instead of one per configuration.
        public var groupBy: String?
        /// The moving average of the gradient cosines, in training windows.
        public var smoothingWindows = 20
        /// Whether the sweep still runs; nil: whether the folder's journal is locked (a coordinator
        /// writing a report of its own folder at its end says false).
        public var running: Bool?
        /// How many series the per-configuration curve charts draw: the best by the sweep's metric.
        public var top = 10
        public init(groupBy: String? = nil, running: Bool? = nil) {
            self.groupBy = groupBy
            self.running = running
        }
    }

    /// Writes the report of the sweep in `folder` to `destination`, atomically.
    public static func write(folder: String, to destination: String, options: Options = Options()) throws {
        let page = document(try content(folder: folder, options: options))
        let file = try BufferedFile(temporaryFor: destination)
        file.write(page)
        try file.commit(to: destination)
    }

    /// What a report shows, in pieces: the static page puts them together (`document`), the live
    /// page (`--dashboard`) puts its trials table between the header and the sections.
    public struct Content: Sendable {
        /// The sweep's name.
        public var title: String
        /// The page's heading and the line under it (version, time, whether the sweep runs).
        public var header: String
        /// The overview with the leaderboard, and every figure.
        public var sections: String
        public init(title: String, header: String, sections: String) {
            (self.title, self.header, self.sections) = (title, header, sections)
        }
    }

    /// The report of the sweep in `folder` as its results stand now.
    public static func content(folder: String, options: Options = Options()) throws -> Content {
        let plan = try ResultFolder.plan(folder)
        if let groupBy = options.groupBy {
            let names = TrialConfig.parameterNames.filter { $0 != "seed" }
            guard names.contains(groupBy) else {
                throw InputError("--group-by \(groupBy)", "not a parameter (one of: \(names.joined(separator: ", ")))")
            }
        }
        let store = try ResultStore(folder: folder, plan: plan, readOnly: true)
        let data = try ReportData(store: store, groupBy: options.groupBy)
        return content(data, counts: store.counts, decisions: store.decisions, seconds: store.elapsedSeconds,
                       running: options.running ?? Journal.isInUse(folder: folder), options: options)
    }

    static func content(_ data: ReportData, counts: TrialCounts, decisions: [SearchDecision], seconds: Double, running: Bool, options: Options) -> Content {
        let plan = data.plan
        let state = running ? "running: partial results" : counts.pending > 0 ? "not finished (interrupted?): partial results" : "finished"
        let header = """
            <header>
            <h1>\(HTML.escape(plan.sweep.name))</h1>
            <p class="meta">DepthFarm \(HTML.escape(DepthFarmVersion.current)) report, \(HTML.escape(timestamp())) — sweep \(HTML.escape(state))</p>
            </header>

            """
        var page = overview(data, counts: counts, seconds: seconds, options: options)
        var charts = ChartNumbering()
        page += search(data, decisions: decisions, charts: &charts)
        let selection = selection(data, options: options)
        page += parameterSearch(data, selection: selection, options: options, charts: &charts)
        page += learningCurves(data, selection: selection, options: options, charts: &charts)
        page += probe(data, selection: selection, options: options, charts: &charts)
        page += crossLag(data, selection: selection, options: options, charts: &charts)
        page += bptdSection(data, selection: selection, charts: &charts, options: options)
        return Content(title: plan.sweep.name, header: header, sections: page)
    }

    /// A whole page: `content` in the report's frame, with `main` in place of header and sections
    /// if given (the live page's), and a script at the end (the live page's only).
    public static func document(_ content: Content, main: String? = nil, script: String? = nil) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>DepthFarm \(script == nil ? "report" : "live"): \(HTML.escape(content.title))</title>
        <style>\(style)</style>
        </head>
        <body>
        \(main ?? content.header + content.sections)<footer>Made by <code>depthfarm \(script == nil ? "report" : "--dashboard")</code> from the output folder's journal and completed trials; the numbers are those of summary.csv and metrics.csv.</footer>
        \(script.map { "<script>\($0)</script>\n" } ?? "")</body>
        </html>

        """
    }

    /// The overview: counts, wall time, what varies, and the leaderboard.
    static func overview(_ data: ReportData, counts: TrialCounts, seconds: Double, options: Options) -> String {
        let plan = data.plan
        var page = "<section id=\"overview\">\n<h2>Overview</h2>\n<table class=\"facts\">\n"
        var facts: [(String, String)] = [
            ("Trials", trialsFact(plan)),
            ("Completed", String(counts.completed)), ("Diverged", String(counts.diverged)),
            ("Pruned", "\(counts.pruned) (stopped early at a rung; kept out of the statistics)"), ("Failed", String(counts.failed)),
            ("Not finished", String(counts.pending)),
            ("Wall time", "\(Coordinator.duration(seconds)) (first trial's start to last trial's end)"),
            ("Varied", plan.variedParameters.isEmpty ? "nothing" : plan.variedParameters.map { variedFact($0, data) }.joined(separator: "; ")),
            ("Curves", options.groupBy.map { "one per value of \($0), its configurations' trials averaged together" } ?? "one per configuration"),
        ]
        if plan.sweep.earlyTerminate == nil { facts.removeAll { $0.0 == "Pruned" } }
        for (name, value) in facts { page += "<tr><th>\(HTML.escape(name))</th><td>\(HTML.escape(value))</td></tr>\n" }
        return page + "</table>\n" + leaderboard(data) + "</section>\n"
    }

    /// "hidden ∈ {4, 8}", or for a search's many draws "lr: 48 values in 0.000102 … 0.00987".
    static func variedFact(_ name: String, _ data: ReportData) -> String {
        var values: [TrialConfig.Value] = []
        for configuration in data.plan.configurations {
            if let value = configuration.value(of: name), !values.contains(value) { values.append(value) }
        }
        let numbers = values.compactMap { value -> Double? in
            switch value {
            case .real(let x): x
            case .integer(let n): Double(n)
            case .unsigned(let n): Double(n)
            case .text: nil
            }
        }
        // Numbers in ascending order (a search draws them in any), choices as the sweep lists them.
        if numbers.count == values.count { values = zip(numbers, values).sorted { $0.0 < $1.0 }.map(\.1) }
        let reals = values.compactMap { value -> Double? in if case .real(let x) = value { x } else { nil } }
        if values.count > 8, reals.count == values.count {
            return "\(name): \(values.count) values in \(data.labels.text(name, .real(reals.min()!))) … \(data.labels.text(name, .real(reals.max()!)))"
        }
        return "\(name) ∈ {\(values.map { data.labels.text(name, $0) }.joined(separator: ", "))}"
    }

    /// BPTD's per-lag charts over training, a row of small charts per BPTD series (the top K of
    /// them); what each chart shows is said once, above them, not under every copy.
    static func bptdSection(_ data: ReportData, selection: CurveSelection, charts: inout ChartNumbering, options: Options) -> String {
        let bptd = selection.restricted(to: data.bptdSeries)
        guard !bptd.shown.isEmpty else { return "" }
        let recorded = recordedEvery(data.plan)
        var page = "<section id=\"bptd\">\n<h2>BPTD: one optimizer per temporal lag</h2>\n"
        page += "<p>For each lag Δ, the gradient group G[Δ] and its own optimizer, over training; lines coloured from Δ = 0 (dark) to the longest lag (yellow), means across seeds. "
            + "Per configuration: the cosine of each lag's gradient with its value one window before (how consistently that optimizer is pushed; \(options.smoothingWindows)-window trailing moving average\(recorded)); "
            + "the L2 norm of each lag group's gradient before clipping; the norms of each lag optimizer's first and second moments (Adam's exp_avg and exp_avg_sq) for W_hh; "
            + "with lag_weighting, the weight w_Δ ∈ [0, 1] each lag group's step was scaled by.</p>\n"
        if let cut = bptd.cut(noun: "BPTD configurations", metric: data.plan.sweep.metric) {
            page += "<p class=\"cut\">The \(HTML.escape(cut)) at the last epoch.</p>\n"
        }
        for s in bptd.shown {
            page += "<h3 class=\"series\"><i style=\"border-color:\(bptd.color(s))\"></i>\(HTML.escape(legendName(data, s)))</h3>\n<div class=\"charts small\">\n"
            func lagChart(_ metric: Metric, _ title: String, _ unit: String, logY: Bool, smooth: Bool) -> String {
                let lags = data.lags(metric, series: s)
                let top = Double(max(lags.last ?? 1, 1))
                return LineChart(id: charts.next(), title: title, xLabel: "training window", yLabel: unit,
                                 series: lags.map { lag in
                                     // Lines without bands (twenty bands hide each other), and without
                                     // undefined values, which a moving average would spread.
                                     let points = ReportData.points(data.perWindow[.init(series: s, metric: metric, lag: lag)])
                                         .filter(\.y.isFinite).map { SeriesPoint(x: $0.x, y: $0.y) }
                                     // The colour scale's ends name it; twenty entries would not.
                                     return LineChart.Series(name: "Δ = \(lag)", color: Palette.sequential(Double(lag) / top),
                                                             points: SeriesPoint.thinned(smooth ? MovingAverage.trailing(points, window: Double(options.smoothingWindows)) : points, limit: 300),
                                                             inLegend: lag == lags.first || lag == lags.last)
                                 },
                                 logY: logY, valueRange: MetricRange.of(metric), frame: .small).html
            }
            page += lagChart(.gradCosine, "Cosine of consecutive gradients per lag", "cos(G[Δ], previous)", logY: false, smooth: true)
            page += lagChart(.gradNorm, "Gradient norm per lag", "‖G[Δ]‖ (log scale)", logY: true, smooth: false)
            page += lagChart(.weightHHFirstMomentNorm, "First moment of W_hh per lag", "‖m‖ of W_hh (log scale)", logY: true, smooth: false)
            page += lagChart(.weightHHSecondMomentNorm, "Second moment of W_hh per lag", "‖v‖ of W_hh (log scale)", logY: true, smooth: false)
            if !data.lags(.lagWeight, series: s).isEmpty {
                page += lagChart(.lagWeight, "Lag weight per lag", "w_Δ", logY: false, smooth: false)
            }
            page += "</div>\n"
        }
        return page + "</section>\n"
    }

    /// "12 (4 configurations × 3 seeds)", or for a race, which runs each configuration on as many
    /// seeds as it survives, "30 (8 configurations, up to 6 seeds each)".
    static func trialsFact(_ plan: SweepPlan) -> String {
        let (configurations, seeds) = (plan.configurations.count, plan.sweep.seeds.count)
        let plural = { (n: Int, word: String) in "\(n) \(word)\(n == 1 ? "" : "s")" }
        return configurations * seeds == plan.trials.count
            ? "\(plan.trials.count) (\(plural(configurations, "configuration")) × \(plural(seeds, "seed")))"
            : "\(plan.trials.count) (\(plural(configurations, "configuration")), up to \(plural(seeds, "seed")) each)"
    }

    /// How a search spent its trials, for searches that decide on configurations: early
    /// stopping's rung plot (each configuration's metric by epoch, the pruned ones grey where they
    /// stopped), a race's configurations alive per seed block, and every decision, as decisions.csv
    /// lists them. Empty for searches that run every trial to its end.
    static func search(_ data: ReportData, decisions: [SearchDecision], charts: inout ChartNumbering) -> String {
        let plan = data.plan, sweep = plan.sweep
        guard sweep.earlyTerminate != nil || sweep.method == .race else { return "" }
        let indexOf = Dictionary(plan.configurationIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let label = { (configuration: Int) in data.seriesNames[data.seriesOfConfiguration[configuration]] }
        var text = "<section id=\"search\">\n<h2>Search</h2>\n<div class=\"charts\">\n"
        if let settings = sweep.earlyTerminate {
            let rungs = HyperbandSchedule(settings, epochs: sweep.epochs).rungs
            let prunedAt = Dictionary(decisions.filter { $0.event == .pruned }.compactMap { decision in
                indexOf[decision.configuration].flatMap { c in decision.epoch.map { (c, $0) } }
            }, uniquingKeysWith: min)
            var kept = 0
            var curves: [LineChart.Series] = []
            // Grey first, so the configurations that went on are drawn over them.
            for configuration in plan.configurations.indices where prunedAt[configuration] != nil {
                curves.append(LineChart.Series(name: "pruned at a rung (\(prunedAt.count) configurations)", color: "#b4b4b4",
                                               points: ReportData.points(data.rungCurves[configuration]).map { SeriesPoint(x: $0.x, y: $0.y) },
                                               inLegend: curves.isEmpty))
            }
            for configuration in plan.configurations.indices where prunedAt[configuration] == nil {
                curves.append(LineChart.Series(name: label(configuration), color: Palette.category(kept),
                                               points: ReportData.points(data.rungCurves[configuration]).map { SeriesPoint(x: $0.x, y: $0.y) }))
                kept += 1
            }
            text += LineChart(id: charts.next(), title: "Early stopping: \(sweep.metric.rawValue) per epoch, by configuration",
                              xLabel: "epoch", yLabel: "\(sweep.metric.rawValue) (mean across seeds)", series: curves,
                              integerX: true, markers: true, xMarks: rungs.map(Double.init),
                              note: "Each configuration's mean across the seeds it ran; grey ones were pruned at the rung (dashed) where their line ends. Rungs decide on the sweep's aggregate (\(sweep.aggregate.rawValue)) of the seeds at the rung's epoch.").html
        }
        if sweep.method == .race {
            let seeds = data.configurationCounts.map(\.total)
            let points = (1...max(1, seeds.max() ?? 1)).map { k in SeriesPoint(x: Double(k), y: Double(seeds.filter { $0 >= k }.count)) }
            text += LineChart(id: charts.next(), title: "Race: configurations alive per seed block", xLabel: "seed block (seeds run)",
                              yLabel: "configurations running it",
                              series: [LineChart.Series(name: "configurations that ran this many seeds", color: Palette.category(0), points: points)],
                              integerX: true, markers: true,
                              note: "After each block of one seed per alive configuration, the test (\(sweep.race.test.rawValue), α = \(sweep.race.alpha)) eliminates the beaten; from seed \(sweep.race.firstTest) on.").html
        }
        text += "</div>\n<h3>Decisions</h3>\n"
        if decisions.isEmpty { return text + "<p class=\"empty\">None yet.</p>\n</section>\n" }
        text += "<table class=\"board\">\n<tr><th>configuration</th><th>event</th><th>seeds</th><th>epoch</th><th>test</th><th>p-value</th></tr>\n"
        for decision in decisions {
            guard let configuration = indexOf[decision.configuration] else { continue }
            let cells = [label(configuration), decision.event.rawValue, decision.seeds.map(String.init) ?? "", decision.epoch.map(String.init) ?? "",
                         decision.test, decision.pValue.map { String(format: "%.3g", $0) } ?? ""]
            text += "<tr>" + cells.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>\n"
        }
        return text + "</table>\n</section>\n"
    }

    /// The leaderboard, computed from the trials read (leaderboard.csv may be older while the sweep runs).
    static func leaderboard(_ data: ReportData) -> String {
        let plan = data.plan
        let order = ResultFiles.leaderboardOrder(data.ranked.map { $0?.mean }, goal: plan.sweep.goal)
        let epochs = Set(plan.configurations.map(\.epochs))
        var text = "<h3>Leaderboard: \(HTML.escape(plan.sweep.metric.rawValue)) at the last epoch\(epochs.count == 1 ? " (\(epochs.first!))" : ""), "
            + "\(plan.sweep.goal == .maximize ? "highest" : "lowest") first</h3>\n<table class=\"board\">\n<tr><th>rank</th>"
        for name in plan.variedParameters { text += "<th>\(HTML.escape(name))</th>" }
        let pruning = plan.sweep.earlyTerminate != nil
        text += "<th>mean</th><th>95% CI</th><th>std</th><th>n</th><th>diverged</th><th>failed</th>\(pruning ? "<th>pruned</th>" : "")</tr>\n"
        let number = { (value: Double) in String(format: "%.4g", value) }
        let range = MetricRange.of(plan.sweep.metric)
        for (rank, configuration) in order.enumerated() {
            let config = plan.configurations[configuration]
            text += "<tr><td>\(rank + 1)</td>"
            for name in plan.variedParameters { text += "<td>\(HTML.escape(data.labels.text(name, of: config)))</td>" }
            let statistics = data.ranked[configuration]
            let interval = statistics?.confidenceInterval95.map { "[\(number(range.clip($0.low))), \(number(range.clip($0.high)))]" } ?? ""
            let counts = data.configurationCounts[configuration]
            text += "<td>\(statistics.map { number($0.mean) } ?? "")</td><td>\(interval)</td>"
                + "<td>\(statistics?.standardDeviation.map(number) ?? "")</td><td>\(counts.completed)</td>"
                + "<td>\(counts.diverged)</td><td>\(counts.failed)</td>\(pruning ? "<td>\(counts.pruned)</td>" : "")</tr>\n"
        }
        return text + "</table>\n<p class=\"note\">\(HTML.escape(range.note))</p>\n"
    }

    static func timestamp() -> String { Date().formatted(.iso8601) }

    /// Chart ids in page order.
    struct ChartNumbering {
        var count = 0
        mutating func next() -> String {
            count += 1
            return "chart-\(count)"
        }
    }

    static let style = """

        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Helvetica, Arial, sans-serif; color: #1b1b1b; margin: 0 auto; max-width: 1320px; padding: 1rem 1.5rem 3rem; }
        h1 { font-size: 1.6rem; margin: 0.5rem 0 0; } h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2rem; }
        h3 { font-size: 1rem; margin: 0.6rem 0 0.3rem; } h3.series { margin-top: 1.2rem; }
        h3.series i { display: inline-block; width: 1.4em; border-top: 4px solid; vertical-align: middle; margin-right: 0.4em; }
        p.cut { margin: 0.3rem 0; } p.note { color: #555; font-size: 0.85rem; margin: -0.6rem 0 1rem; }
        .meta { color: #555; margin: 0.2rem 0 0; }
        table { border-collapse: collapse; margin: 0.4rem 0 1rem; font-variant-numeric: tabular-nums; }
        th, td { padding: 0.2rem 0.7rem; text-align: left; border-bottom: 1px solid #e4e4e4; }
        table.facts th { color: #555; font-weight: 600; }
        table.board th { background: #f3f3f3; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 1rem 1.6rem; }
        .charts.small { grid-template-columns: repeat(auto-fill, minmax(290px, 1fr)); gap: 0.6rem 1rem; } .charts.small h3 { font-size: 0.85rem; }
        figure.chart.wide { grid-column: 1 / -1; }
        figure.chart { margin: 0; break-inside: avoid; page-break-inside: avoid; }
        figure.chart svg { width: 100%; height: auto; display: block; }
        figure.chart figcaption, .empty { color: #555; font-size: 0.85rem; }
        svg text { font-family: inherit; fill: #333; font-size: 14px; } svg .axis { font-size: 15px; fill: #1b1b1b; }
        svg .grid line { stroke: #e6e6e6; stroke-width: 1; } svg .grid line.mark { stroke: #8a8a8a; stroke-dasharray: 5 4; } svg .frame { fill: none; stroke: #888; stroke-width: 1; }
        svg .line { fill: none; stroke-width: 2; stroke-linejoin: round; } svg .band { stroke: none; }
        svg .dot line { stroke-width: 1.5; opacity: 0.6; } svg .pc { fill: none; stroke-width: 1.6; opacity: 0.85; }
        svg .pcaxis line { stroke: #666; stroke-width: 1; } svg .pcaxis text { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
        .legend { display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; font-size: 0.85rem; margin: 0.2rem 0 0.2rem 3rem; }
        .legend i { display: inline-block; width: 1.4em; border-top: 4px solid; vertical-align: middle; margin-right: 0.35em; }
        .legend.shared { margin: 0.3rem 0 0.6rem; font-size: 0.9rem; } .legend i.ramp { width: 8em; height: 0.7em; border: none; }
        .live { background: #f4f8ff; border: 1px solid #c9d9f2; border-radius: 4px; padding: 0.4rem 0.8rem; } .live.ended { background: #f7f7f7; border-color: #ccc; }
        tr.running td { background: #eef6ee; } tr.diverged td, tr.failed td { color: #a33; } tr.pending td, tr.assigned td { color: #777; }
        footer { margin-top: 2.5rem; color: #666; font-size: 0.85rem; }
        @media print { body { max-width: none; padding: 0; font-size: 11pt; } .charts { grid-template-columns: 1fr 1fr; } h2 { break-after: avoid; } }

        """
}
