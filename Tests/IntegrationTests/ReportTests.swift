import Foundation
import Testing
import TestSupport
import TrainingCore
import TrialFarm
@testable import SweepReport

/// `depthfarm report` and `run --report`: the numbers, a real browser, a sweep still running.
@Suite struct ReportTests {
    /// Chromium, where Debian puts it.
    static let chromium = "/usr/bin/chromium"
    /// Headless Chromium as root, its errors on standard error (the tests look for them).
    static let chromiumFlags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]

    /// The small sweep, run into `folder/out` with `--report`.
    static func finishedSweep(_ folder: TemporaryFolder) throws -> (sweep: String, out: String, result: ProcessResult) {
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        return (sweep, out, try runDepthFarm(["run", sweep, "--out", out, "--workers", "2", "--report"]))
    }

    @Test("the report's statistics are summary.csv's, bit for bit; its leaderboard is leaderboard.csv's; groups average their trials")
    func numbers() throws {
        let folder = TemporaryFolder()
        let (_, out, result) = try Self.finishedSweep(folder)
        #expect(result.status == 0 && result.standardError.contains("report: \(out)/report.html"))
        let plan = try ResultFolder.plan(out)
        let store = try ResultStore(folder: out, plan: plan, readOnly: true)
        let data = try ReportData(store: store, groupBy: nil)
        let configurationOf = Dictionary(uniqueKeysWithValues: plan.configurationIDs.enumerated().map { (SweepPlan.hex($1), $0) })
        let summary = try Fixtures.rows(out + "/summary.csv")
        let column = { (name: String) in summary[0].firstIndex(of: name)! }
        var compared = 0
        for row in summary.dropFirst() {
            guard let metric = Metric(rawValue: row[column("metric")]), ReportData.epochMetrics.contains(metric), row[column("lag")].isEmpty
            else { continue }
            let series = data.seriesOfConfiguration[try #require(configurationOf[row[column("config_id")]])]
            let statistics = try #require(data.perEpoch[.init(series: series, metric: metric, lag: -1)]?[Int(row[column("epoch")])!])
            let point = SeriesPoint(x: 0, statistics)
            #expect(String(statistics.count) == row[column("n")])
            #expect(point.y == Double(row[column("mean")]) && point.low == Double(row[column("ci95_low")]) && point.high == Double(row[column("ci95_high")]))
            compared += 1
        }
        #expect(compared == 4 * 2 * 4)  // configurations × epochs × per-epoch metrics
        let leaderboard = try Fixtures.rows(out + "/leaderboard.csv").dropFirst().map { $0[1] }
        let order = ResultFiles.leaderboardOrder(data.ranked.map { $0?.mean }, goal: plan.sweep.goal)
        #expect(order.map { SweepPlan.hex(plan.configurationIDs[$0]) } == leaderboard)

        // Grouped by method: the last epoch's test accuracy is the mean of that method's trials in trials.csv.
        let grouped = try ReportData(store: store, groupBy: "method")
        #expect(grouped.seriesNames == ["method=bptt", "method=bptd"])
        for (series, method) in ["bptt", "bptd"].enumerated() {
            let values = try Fixtures.trials(out).filter { $0["method"] == method }.map { Double($0["test_acc"]!)! }
            let mean = try #require(grouped.perEpoch[.init(series: series, metric: .testAccuracy, lag: -1)]?[2]).mean
            #expect(values.count == 6 && abs(mean - values.reduce(0, +) / 6) < 1e-12)
        }
        // BPTD's per-lag rows: lags 0 … bptt_t − 1 for the two BPTD configurations.
        #expect(data.bptdSeries.count == 2)
        for series in data.bptdSeries { #expect(data.lags(.gradCosine, series: series) == Array(0..<10)) }
    }

    @Test("in headless Chromium the report loads without errors and shows every chart; the screenshot is kept",
          .enabled(if: FileManager.default.isExecutableFile(atPath: ReportTests.chromium), "Chromium is not installed (scripts/test installs Debian's chromium)"))
    func browser() throws {
        let folder = TemporaryFolder()
        let (_, out, result) = try Self.finishedSweep(folder)
        #expect(result.status == 0)
        let report = out + "/report.html"
        let html = try String(contentsOfFile: report, encoding: .utf8)
        // Self-contained: nothing to fetch.
        #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("<script") && !html.contains("@import"))
        let flags = Self.chromiumFlags
        let dom = try run("/usr/bin/timeout", ["120", Self.chromium] + flags + ["--dump-dom", "file://" + report])
        #expect(dom.status == 0 && dom.standardOutput.contains("</html>"), "\(dom.standardError.suffix(2000))")
        for problem in ["CONSOLE", "Uncaught", "Failed to load resource", "net::ERR_"] {
            #expect(!dom.standardError.contains(problem), "\(dom.standardError.suffix(2000))")
        }
        let titles = dom.standardOutput.matches(of: #/<h3>([^<]*)</h3>/#).map { String($0.1) }
        var expected = ["test_acc against method", "test_acc against hidden", "Parallel coordinates: the parameters and test_acc",
                        "Test accuracy per epoch", "Train loss per epoch", "Train loss per window", "Test loss per epoch",
                        "Train accuracy per epoch", "‖∂L/∂h_t‖ in the last window", "Largest singular value of W_hh",
                        "Cosine of consecutive gradients against lag", "Gradient norm against lag"]
        for _ in [4, 8] {
            expected += ["Cosine of consecutive gradients per lag", "Gradient norm per lag", "First moment of W_hh per lag", "Second moment of W_hh per lag"]
        }
        for hidden in [4, 8] { #expect(dom.standardOutput.contains("method=bptd hidden=\(hidden) (3 completed)</h3>")) }
        #expect(titles.filter { !$0.hasPrefix("Leaderboard") } == expected)
        #expect(dom.standardOutput.components(separatedBy: "<svg").count - 1 == expected.count)
        #expect(!dom.standardOutput.contains("No data yet."))
        #expect(dom.standardOutput.contains("Leaderboard: test_acc at the last epoch (2), highest first"))

        let artifacts = repositoryRoot + "/.test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts + "/report.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        let shot = try run("/usr/bin/timeout", ["120", Self.chromium] + flags + ["--window-size=1320,5600", "--screenshot=" + screenshot, "file://" + report])
        #expect(shot.status == 0, "\(shot.standardError.suffix(2000))")
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 100_000, "a blank page makes a PNG of a few kilobytes")  // charts drawn
        print("report screenshot: \(screenshot) (\(png.count / 1024) KiB)")
    }

    @Test("a sweep still running: the report shows what has finished, and the sweep goes on undisturbed")
    func running() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, folder: folder)
        let worker = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "1"], folder: folder, name: "worker",
                                           environment: ["DEPTHFARM_SLOW_WINDOW_MS": "30"])
        #expect(Fixtures.waitForFinished(out, count: 2))
        let result = try runDepthFarm(["report", out, "--out", folder.file("partial.html"), "--group-by", "hidden"])
        #expect(result.status == 0 && result.standardOutput == "report: \(folder.file("partial.html"))\n", "\(result.standardError)")
        let html = try String(contentsOfFile: folder.file("partial.html"), encoding: .utf8)
        #expect(html.contains("sweep running: partial results"))
        let notFinished = try #require(html.firstMatch(of: #/<th>Not finished</th><td>(\d+)</td>/#)).1
        #expect(Int(notFinished)! > 0 && Int(notFinished)! < 12)
        #expect(html.contains("hidden=4 (") && html.contains("one per value of hidden"))
        #expect(coordinator.wait(timeout: 120) == 0 && worker.wait(timeout: 20) == 0)
        #expect(try Fixtures.trials(out).allSatisfy { $0["status"] == "completed" })
    }

    @Test("with lag_weighting, each BPTD series gets a per-lag chart of the lag_weight stream")
    func lagWeights() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("weighted.yaml", """
            name: weighted
            seeds: [0, 1]
            parameters:
              seq_len: {value: 60}
              bptt_t: {value: 10}
              batch: {value: 8}
              epochs: {value: 1}
              metrics_every: {value: 2}
              hidden: {value: 4}
              method: {value: bptd}
              lag_weighting: {values: [cosine, snr]}
            """)
        let out = folder.file("out")
        let result = try runDepthFarm(["run", sweep, "--out", out, "--workers", "2", "--report"])
        #expect(result.status == 0, "\(result.standardError)")
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        for weighting in ["cosine", "snr"] { #expect(html.contains("lag_weighting=\(weighting) (2 completed)</h3>")) }
        #expect(html.components(separatedBy: "<h3>Lag weight per lag</h3>").count - 1 == 2)
        let data = try ReportData(store: try ResultStore(folder: out, plan: try ResultFolder.plan(out), readOnly: true), groupBy: nil)
        #expect(data.bptdSeries.count == 2)
        for series in data.bptdSeries { #expect(data.lags(.lagWeight, series: series) == Array(0..<10)) }
    }

    /// A random search as a W&B or Optuna user runs one: a log-uniform learning rate, a uniform
    /// beta1, each draw as BPTT and as BPTD.
    static let randomSearch = """
        name: random-search
        method: random
        samples: 4
        sample_seed: 1
        seeds: [0, 1]
        metric: {name: test_acc, goal: maximize}
        grid_over: [method]
        parameters:
          seq_len: {value: 60}
          bptt_t: {value: 10}
          batch: {value: 8}
          epochs: {value: 2}
          metrics_every: {value: 2}
          hidden: {value: 4}
          method: {values: [bptt, bptd]}
          lr: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0e-1}
          beta1: {distribution: uniform, min: 0.8, max: 0.99}
        """

    @Test("a random search's report: a scatter per parameter (lr on a log axis) and parallel coordinates, legends of short numbers and at most --top entries, intervals clipped and said so; it loads in Chromium; --top 0 is refused")
    func randomSearch() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("search.yaml", Self.randomSearch)
        let out = folder.file("out"), report = folder.file("search.html")
        let ran = try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"])
        #expect(ran.status == 0, "\(ran.standardError)")
        let result = try runDepthFarm(["report", out, "--out", report, "--top", "3"])
        #expect(result.status == 0 && result.standardOutput == "report: \(report)\n", "\(result.standardError)")
        let html = try String(contentsOfFile: report, encoding: .utf8)

        // The search view: a scatter per varied parameter, lr's on a log axis, and parallel coordinates.
        for parameter in ["method", "lr", "beta1"] { #expect(html.contains("<h3>test_acc against \(parameter)</h3>"), "\(parameter)") }
        #expect(html.contains(">lr (log scale)</text>") && html.contains(">beta1</text>"))
        // The overview lists a parameter's values in ascending order, to significant digits.
        let varied = try #require(html.firstMatch(of: #/<th>Varied</th><td>([^<]*)</td>/#)).1
        let lrs = try #require(varied.firstMatch(of: #/lr ∈ \{([^}]*)\}/#)).1.split(separator: ", ").map { Double($0)! }
        #expect(lrs.count == 4 && lrs == lrs.sorted())
        let search = try #require(html.firstMatch(of: #/<section id="parameters">(?s:.*?)</section>/#)).0
        #expect(search.components(separatedBy: "<svg").count - 1 == 4)
        #expect(search.contains("<h3>Parallel coordinates: the parameters and test_acc</h3>") && search.contains("class=\"pc\""))
        // 8 configurations, a dot each in every scatter.
        #expect(search.components(separatedBy: "<g class=\"dot\">").count - 1 == 3 * 8)

        // Nowhere a raw float: no run of 8 or more digits after a decimal point, legends included.
        let legends = html.matches(of: #/<div class="legend[^"]*">(.*?)</div>/#).map { String($0.1) }
        #expect(!legends.isEmpty)
        for legend in legends {
            let text = legend.replacing(#/<[^>]*>/#, with: "")
            #expect(text.firstMatch(of: #/\.\d{8,}/#) == nil, "\(text)")
            #expect(legend.components(separatedBy: "<span>").count - 1 <= 3, "\(text)")
        }
        #expect(html.firstMatch(of: #/\d\.\d{8,}/#) == nil)
        #expect(html.contains("Curves of the top 3 of 8 configurations by test_acc"))
        #expect(html.contains("95% intervals clipped to [0, 1].") && html.contains("95% intervals clipped to [−1, 1]."))

        if FileManager.default.isExecutableFile(atPath: Self.chromium) {
            let flags = Self.chromiumFlags
            let dom = try run("/usr/bin/timeout", ["120", Self.chromium] + flags + ["--dump-dom", "file://" + report])
            #expect(dom.status == 0 && dom.standardOutput.contains("</html>"), "\(dom.standardError.suffix(2000))")
            for problem in ["CONSOLE", "Uncaught", "Failed to load resource", "net::ERR_"] {
                #expect(!dom.standardError.contains(problem), "\(dom.standardError.suffix(2000))")
            }
            let screenshot = "/tmp/depthfarm-random-search-report.png"
            try? FileManager.default.removeItem(atPath: screenshot)
            let shot = try run("/usr/bin/timeout", ["120", Self.chromium] + flags + ["--window-size=1320,5000", "--screenshot=" + screenshot, "file://" + report])
            #expect(shot.status == 0, "\(shot.standardError.suffix(2000))")
            let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 100_000)
            print("random-search report screenshot: \(screenshot) (\(png.count / 1024) KiB)")
        }

        // --top must name at least one configuration.
        for bad in [["--top", "0"], ["--top=-3"]] {
            let refused = try runDepthFarm(["report", out, "--out", folder.file("bad.html")] + bad)
            #expect(refused.status != 0 && refused.errorLines.count == 1 && refused.errorLines[0].contains("--top must be in 1 … 1000000"),
                    "\(refused.standardError)")
            #expect(!FileManager.default.fileExists(atPath: folder.file("bad.html")))
        }
    }
}
