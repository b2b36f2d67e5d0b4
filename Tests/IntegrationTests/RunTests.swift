import Foundation
import Testing
import TestSupport
import TrainingCore
import TrialFarm

/// `depthfarm run`: the embedded default, coordinator and local workers, end to end.
@Suite(.serialized) struct RunTests {
    @Test("a sweep with 2 workers completes, and every file has the rows it should")
    func completes() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        let result = try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("12 trials: 12 completed, 0 diverged, 0 failed, 0 not run"))
        #expect(result.standardError.contains("leaderboard (test_acc at epoch 2):"))
        let plan = try SweepPlan(try Sweep.parse(Fixtures.small, source: "small.yaml"))

        let trials = try Fixtures.trials(out)
        #expect(trials.map { $0["trial_id"]! } == plan.trials.map { SweepPlan.hex($0.id) })
        #expect(trials.allSatisfy { $0["status"] == "completed" && $0["attempts"] == "1" && $0["epochs_completed"] == "2" && $0["steps"] == "20" })
        #expect(trials.allSatisfy { !$0["host"]!.isEmpty && $0["started"]!.hasSuffix("Z") && Double($0["test_acc"]!) != nil })

        let metrics = try Fixtures.rows(out + "/metrics.csv")
        #expect(metrics[0] == ["trial_id", "config_id", "seed", "epoch", "step", "metric", "lag", "value"])
        let perTrial = Dictionary(grouping: metrics.dropFirst(), by: { $0[0] })
        #expect(perTrial.count == 12 && Set(perTrial.values.map(\.count)).count == 2)  // bptt and bptd trials differ in size
        // Rows come trial by trial in plan order.
        var order: [String] = []
        for row in metrics.dropFirst() where order.last != row[0] { order.append(row[0]) }
        #expect(order == plan.trials.map { SweepPlan.hex($0.id) })

        let summary = try Fixtures.rows(out + "/summary.csv")
        #expect(summary[0] == ["config_id", "method", "hidden", "epoch", "metric", "lag", "n", "diverged", "mean", "std", "sem",
                               "ci95_low", "ci95_high", "min", "max"])
        let accuracy = summary.filter { $0[4] == "test_acc" }
        #expect(accuracy.count == 4 * 2 && accuracy.allSatisfy { $0[6] == "3" && $0[7] == "0" })
        let leaderboard = try Fixtures.rows(out + "/leaderboard.csv")
        #expect(leaderboard.count == 5 && leaderboard.dropFirst().map { $0[0] } == ["1", "2", "3", "4"])
        let means = leaderboard.dropFirst().map { Double($0[9])! }
        #expect(means == means.sorted(by: >))

        #expect(leaderboard[0].prefix(13) == ["rank", "config_id", "method", "hidden", "metric", "epoch", "n", "diverged", "failed", "mean", "std",
                                              "sem", "ci95_low"])
        try checkWindowSummaries(out, metrics: metrics)

        let journal = try String(contentsOfFile: out + "/journal.log", encoding: .utf8).split(separator: "\n")
        #expect(journal.count == 14 && journal.dropFirst().dropLast().allSatisfy { $0.hasPrefix("done\t") } && journal.last!.hasPrefix("compacted\t"))
        #expect(Fixtures.partials(out).isEmpty)
        // The rows are on disk once: metrics.csv is a second name of completed.csv, rewritten in plan order.
        var rows = stat(), named = stat()
        #expect(stat(out + "/completed.csv", &rows) == 0 && stat(out + "/metrics.csv", &named) == 0)
        #expect(rows.st_ino == named.st_ino && rows.st_nlink == 2)
    }

    /// `summary-windows.csv` against statistics computed here from `metrics.csv`: every per-window
    /// (config, step, metric, lag) once, with the seeds' n, mean and extremes.
    func checkWindowSummaries(_ out: String, metrics: [[String]]) throws {
        let windows = try Fixtures.rows(out + "/summary-windows.csv")
        #expect(windows[0] == ["config_id", "method", "hidden", "epoch", "step", "metric", "lag", "n", "diverged", "mean", "std", "sem",
                               "ci95_low", "ci95_high", "min", "max"])
        var values: [[String]: [Double]] = [:]  // (config, step, metric, lag) → the seeds' values
        for row in metrics.dropFirst() where !row[4].isEmpty { values[[row[1], row[4], row[5], row[6]], default: []].append(Double(row[7])!) }
        #expect(windows.count - 1 == values.count)
        for row in windows.dropFirst() {
            let seeds = try #require(values[[row[0], row[4], row[5], row[6]]])
            let mean = seeds.reduce(0, +) / Double(seeds.count)
            #expect(Int(row[7]) == seeds.count && abs(Double(row[9])! - mean) <= 1e-12 * max(1, abs(mean)), "\(row)")
            #expect(Double(row[14]) == seeds.min() && Double(row[15]) == seeds.max(), "\(row)")
        }
        // BPTD's per-lag cosines are there, lag by lag.
        #expect(windows.contains { $0[1] == "bptd" && $0[5] == "grad_cos" && $0[6] == "3" })
    }

    @Test("a trial's metrics are bit-identical to `depthfarm train` of the same configuration and seed")
    func sameAsTrain() throws {
        let folder = TemporaryFolder()
        let out = folder.file("out")
        #expect(try runDepthFarm(["run", try folder.write("small.yaml", Fixtures.small), "--out", out, "--workers", "2"]).status == 0)
        let plan = try SweepPlan(try Sweep.parse(Fixtures.small, source: "small.yaml"))
        for trial in [plan.trials[4], plan.trials[10]] {
            let config = try folder.write("trial.json", plan.config(of: trial).canonicalJSON())
            let alone = try runDepthFarm(["train", "--config", config])
            #expect(alone.status == 0)
            let expected = alone.standardOutput.split(separator: "\n").dropFirst().filter { !$0.contains(",wall_seconds,") }
            let id = SweepPlan.hex(trial.id)
            let fromSweep = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n")
                .filter { $0.hasPrefix(id) && !$0.contains(",wall_seconds,") }
                .map { $0.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)[3] }
            #expect(fromSweep.count == expected.count && fromSweep.elementsEqual(expected))
        }
    }

    @Test("metrics.csv does not depend on the number of workers")
    func independentOfWorkers() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        #expect(try runDepthFarm(["run", sweep, "--out", folder.file("one"), "--workers", "1"]).status == 0)
        #expect(try runDepthFarm(["run", sweep, "--out", folder.file("three"), "--workers", "3"]).status == 0)
        let one = try Fixtures.metricsWithoutTiming(folder.file("one")), three = try Fixtures.metricsWithoutTiming(folder.file("three"))
        #expect(one == three && one.count > 10_000)
        let strip = { (rows: [[String]]) in rows.map { $0.filter { !$0.contains("T") || $0.count < 20 } } }
        let a = try Fixtures.trials(folder.file("one")).map { [$0["trial_id"]!, $0["status"]!, $0["test_acc"]!, $0["train_loss"]!] }
        let b = try Fixtures.trials(folder.file("three")).map { [$0["trial_id"]!, $0["status"]!, $0["test_acc"]!, $0["train_loss"]!] }
        #expect(strip(a) == strip(b))
    }

    @Test("running the same sweep into the same folder skips what is complete; another sweep is refused")
    func resumeAndRefuse() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        #expect(try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"]).status == 0)
        let journal = try String(contentsOfFile: out + "/journal.log", encoding: .utf8)
        let metrics = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)
        let again = try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"])
        #expect(again.status == 0 && again.standardError.contains("12 already complete"))
        #expect(try String(contentsOfFile: out + "/journal.log", encoding: .utf8) == journal)
        #expect(try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8) == metrics)

        let other = try folder.write("other.yaml", Fixtures.small.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [5]"))
        let refused = try runDepthFarm(["run", other, "--out", out])
        #expect(refused.status != 0 && refused.standardError.contains("holds the results of another sweep"))
        #expect(try String(contentsOfFile: out + "/journal.log", encoding: .utf8) == journal)
        let forced = try runDepthFarm(["run", other, "--out", out, "--force", "--workers", "1"])
        #expect(try forced.status == 0 && Fixtures.trials(out).count == 4)
    }

    @Test("summarize rebuilds the derived files from the journal and the trials")
    func summarize() throws {
        let folder = TemporaryFolder()
        let out = folder.file("out")
        #expect(try runDepthFarm(["run", try folder.write("small.yaml", Fixtures.small), "--out", out, "--workers", "2"]).status == 0)
        var before: [String: String] = [:]
        for name in ["metrics.csv", "trials.csv", "summary.csv", "leaderboard.csv"] {
            before[name] = try String(contentsOfFile: "\(out)/\(name)", encoding: .utf8)
            try FileManager.default.removeItem(atPath: "\(out)/\(name)")
        }
        let result = try runDepthFarm(["summarize", out])
        #expect(result.status == 0 && result.standardError.contains("12 trials: 12 completed"))
        for (name, text) in before { #expect(try String(contentsOfFile: "\(out)/\(name)", encoding: .utf8) == text, "\(name)") }
        let missing = try runDepthFarm(["summarize", folder.file("nowhere")])
        #expect(missing.status != 0 && missing.standardError.contains("holds no sweep results (no sweep.yaml)"))
    }

    @Test("a diverging configuration is a result: counted apart, not averaged")
    func divergence() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("diverge.yaml", """
            seeds: [0, 1]
            parameters:
              seq_len: {value: 100}
              bptt_t: {value: 10}
              batch: {value: 8}
              epochs: {value: 2}
              nonlinearity: {value: relu}
              optimizer: {value: sgd}
              clip: {value: 0}
              lr: {values: [0.01, 1.0e+6]}
            """)
        let out = folder.file("out")
        let result = try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"])
        #expect(result.status == 0 && result.standardError.contains("4 trials: 2 completed, 2 diverged, 0 failed"))
        let trials = try Fixtures.trials(out)
        #expect(trials.filter { $0["status"] == "diverged" }.allSatisfy { Int($0["diverged_step"]!)! >= 1 && $0["lr"] == "1000000.0" })
        let leaderboard = try Fixtures.rows(out + "/leaderboard.csv")
        #expect(leaderboard[1][2] == "0.01" && leaderboard[2][2] == "1000000.0")
        #expect(leaderboard[2][6] == "2" && leaderboard[2][8] == "")  // diverged 2, no mean
        let summary = try Fixtures.rows(out + "/summary.csv")
        #expect(summary.dropFirst().allSatisfy { !$0.contains("nan") })
    }

    static let badRuns: [([String], String)] = [
        (["run", "/nonexistent/sweep.yaml"], "cannot read '/nonexistent/sweep.yaml': No such file or directory"),
        (["run", "SWEEP", "--workers", "0"], "--workers must be in 1 … 1024 (got 0)"),
        (["run", "SWEEP", "--max-trials", "5"], "SWEEP: 12 trials is more than --max-trials (5)"),
        (["run", "SWEEP", "--out", "/proc/depthfarm"], "cannot create '/proc/depthfarm'"),
        (["run", "SWEEP", "--trial-timeout=0"], "--trial-timeout must be a positive number of seconds"),
        (["coordinator", "SWEEP", "--bind", "tcp://127.0.0.1"], "--bind tcp://127.0.0.1: not a ZeroMQ endpoint"),
        (["coordinator", "SWEEP", "--bind", "tcp://127.0.0.1:99999"], "the port must be a number in 0 … 65535"),
        (["worker", "--connect", "localhost:5555"], "--connect localhost:5555: not a ZeroMQ endpoint"),
        (["worker", "--connect", "tcp://localhost:5555", "--processes", "0"], "--processes must be in 1 … 1024 (got 0)"),
    ]

    @Test("bad command lines exit non-zero with one line naming the problem", arguments: badRuns)
    func badCommandLines(_ arguments: [String], _ message: String) throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let result = try runDepthFarm(arguments.map { $0 == "SWEEP" ? sweep : $0 }, directory: folder.path)
        #expect(result.status != 0)
        let lines = result.errorLines
        #expect(lines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(message.replacingOccurrences(of: "SWEEP", with: sweep)), "\(result.standardError)")
        #expect(folder.entries() == ["small.yaml"])
    }

    @Test("a port already in use is refused with a clear line")
    func portInUse() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let first = try BackgroundProcess(["coordinator", sweep, "--bind", "tcp://127.0.0.1:0", "--out", folder.file("a")],
                                          folder: folder, name: "first")
        let endpoint = try #require(Fixtures.endpoint(of: first))
        let second = try runDepthFarm(["coordinator", sweep, "--bind", endpoint, "--out", folder.file("b")])
        #expect(second.status != 0 && second.standardError.contains("--bind \(endpoint): Address already in use"))
        first.signal(SIGTERM)
        #expect(first.wait(timeout: 10) != nil)
    }
}

/// What a person sees: a progress line redrawn in place on a terminal, plain lines otherwise.
@Suite(.serialized) struct ProgressTests {
    @Test("on a terminal the progress line is redrawn in place")
    func terminal() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        // script(1) gives the command a pseudo-terminal and copies what it writes.
        let command = "\(depthfarmBinary()) run \(sweep) --out \(folder.file("out")) --workers 2"
        let result = try run("/usr/bin/script", ["-qec", command, "/dev/null"], environment: ["DEPTHFARM_SLOW_WINDOW_MS": "5"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("\r\u{1B}[K[") && result.standardOutput.contains(" trials/s"))
        #expect(result.standardOutput.contains("12 trials: 12 completed"))
    }

    @Test("without a terminal progress comes as plain lines, and the leaderboard at the end")
    func plain() throws {
        let folder = TemporaryFolder()
        let result = try runDepthFarm(["run", try folder.write("small.yaml", Fixtures.small), "--out", folder.file("out")])
        #expect(result.status == 0 && !result.standardError.contains("\u{1B}"))
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("[0/12] ") && $0.contains(", running ") })
        #expect(lines.contains { $0.hasPrefix("leaderboard (test_acc at epoch 2):") })
        #expect(lines.last == "results: \(folder.file("out"))/")
    }
}

/// Workers that outlive a sweep.
@Suite(.serialized) struct StayTests {
    @Test("with --stay a worker waits for the next coordinator and works for it")
    func stay() throws {
        let folder = TemporaryFolder()
        let port = freePort()
        let endpoint = "tcp://127.0.0.1:\(port)"
        let first = try BackgroundProcess(["coordinator", try folder.write("a.yaml", Fixtures.small), "--bind", endpoint,
                                           "--out", folder.file("a")], folder: folder, name: "first")
        let worker = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "1", "--stay"], folder: folder, name: "worker")
        #expect(first.wait(timeout: 60) == 0)
        usleep(500_000)
        #expect(worker.isRunning)
        let second = try BackgroundProcess(["coordinator", try folder.write("b.yaml", Fixtures.small.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [7]")),
                                            "--bind", endpoint, "--out", folder.file("b")], folder: folder, name: "second")
        #expect(second.wait(timeout: 60) == 0, "\(second.standardError)")
        #expect(try Fixtures.trials(folder.file("b")).allSatisfy { $0["status"] == "completed" })
        #expect(worker.isRunning)
        worker.signal(SIGTERM)
        #expect(worker.wait(timeout: 10) == 0)
    }
}
