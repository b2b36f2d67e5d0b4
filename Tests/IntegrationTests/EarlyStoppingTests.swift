import Foundation
import Glibc
import Testing
import TestSupport
import TrainingCore
import TrialFarm
@testable import SweepReport

/// Hyperband and racing end to end: the real binary, real processes and sockets.
@Suite(.serialized) struct PruningTests {
    /// 9 learning rates × 3 seeds, 9 epochs, rungs at epochs 1 and 3.
    static let hyperband = """
        name: hyperband
        seeds: [0, 1, 2]
        early_terminate: {type: hyperband, min_iter: 1, eta: 3}
        parameters:
          seq_len: {value: 60}
          bptt_t: {value: 10}
          batch: {value: 8}
          epochs: {value: 9}
          hidden: {value: 8}
          lr: {values: [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]}
        """

    static let race = """
        name: race
        method: race
        seeds: {count: 6}
        race: {first_test: 3}
        parameters:
          seq_len: {value: 60}
          bptt_t: {value: 10}
          batch: {value: 8}
          epochs: {value: 3}
          hidden: {value: 8}
          lr: {values: [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3]}
        """

    @Test("hyperband and a race give the same outcomes and numbers on 1 worker and on 3", arguments: [hyperband, race])
    func determinism(_ text: String) throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("sweep.yaml", text)
        #expect(try runDepthFarm(["run", sweep, "--out", folder.file("one"), "--workers", "1", "--report"]).status == 0)
        let three = try runDepthFarm(["run", sweep, "--out", folder.file("three"), "--workers", "3"])
        #expect(three.status == 0, "\(three.standardError)")
        #expect(try SearchTests.trialsWithoutTiming(folder.file("one")) == SearchTests.trialsWithoutTiming(folder.file("three")))
        #expect(try Fixtures.metricsWithoutTiming(folder.file("one")) == Fixtures.metricsWithoutTiming(folder.file("three")))
        let decisions = try String(contentsOfFile: folder.file("one") + "/decisions.csv", encoding: .utf8)
        #expect(decisions == (try String(contentsOfFile: folder.file("three") + "/decisions.csv", encoding: .utf8)))
        let trials = try Fixtures.trials(folder.file("one"))
        let report = try String(contentsOfFile: folder.file("one") + "/report.html", encoding: .utf8)
        let plan = try ResultFolder.plan(folder.file("one"))
        let data = try ReportData(store: ResultStore(folder: folder.file("one"), plan: plan, readOnly: true), groupBy: nil)
        let decisionRows = decisions.split(separator: "\n").count - 1
        #expect(report.components(separatedBy: "<tr><td>lr=").count - 1 == decisionRows, "the report lists every decision")
        #expect(report.contains("sweep finished"))
        if text.contains("hyperband") {
            // The rung plot: eight grey (pruned) curves under one legend entry, the rungs dashed, and
            // each configuration's points the mean over its seeds of what trials.csv says it reached.
            #expect(report.contains("Early stopping: test_acc per epoch") && report.contains("pruned at a rung (8 configurations)"))
            #expect(report.components(separatedBy: "<polyline class=\"line\" stroke=\"#b4b4b4\"").count - 1 == 8)
            #expect(report.components(separatedBy: "<line class=\"mark\"").count - 1 == 2)
            #expect(report.contains("<th>Pruned</th><td>24 (") && report.contains("<th>failed</th><th>pruned</th>"))
            for (configuration, config) in plan.configurations.enumerated() {
                let reached = trials.filter { $0["lr"] == config.lr.description }
                let last = Int(reached[0]["epochs_completed"]!)!
                let mean = reached.map { Double($0["test_acc"]!)! }.reduce(0, +) / Double(reached.count)
                #expect(data.rungCurves[configuration].keys.max() == last)
                #expect(abs(data.rungCurves[configuration][last]!.mean - mean) < 1e-12)
            }
            #expect(three.standardError.contains("27 trials: 3 completed, 0 diverged, 0 failed, 24 pruned, 0 not run"))
            #expect(Set(trials.filter { $0["status"] == "pruned" }.map { $0["epochs_completed"]! }) == ["1", "3"])
            #expect(decisions.split(separator: "\n").count == 1 + 8 && decisions.contains(",pruned,,1,hyperband bracket s=2,"))
            // A pruned trial keeps its rows up to its rung: exactly the first epochs of the trial run alone.
            let pruned = try #require(trials.first { $0["status"] == "pruned" && $0["epochs_completed"] == "3" })
            let alone = try runDepthFarm(["train", "--set", "seq_len=60", "--set", "bptt_t=10", "--set", "batch=8", "--set", "epochs=9",
                                          "--set", "hidden=8", "--set", "lr=\(pruned["lr"]!)", "--set", "seed=\(pruned["seed"]!)"])
            let expected = alone.standardOutput.split(separator: "\n").dropFirst().filter { !$0.contains("wall_seconds") && Int($0.prefix { $0 != "," })! <= 3 }
            let rows = try String(contentsOfFile: folder.file("one") + "/metrics.csv", encoding: .utf8).split(separator: "\n")
                .filter { $0.hasPrefix(pruned["trial_id"]!) && !$0.contains("wall_seconds") }
                .map { $0.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)[3] }
            #expect(rows.count == expected.count && rows.elementsEqual(expected))
        } else {
            #expect(decisions.contains(",eliminated,3,,friedman,") && decisions.contains(",survived,"))
            #expect(trials.count < 8 * 6 && trials.allSatisfy { $0["status"] == "completed" })
            // Configurations alive per seed block: all 8 for the first three seeds, fewer after the first test.
            #expect(report.contains("Race: configurations alive per seed block") && report.contains("<td>\(trials.count) (8 configurations, up to 6 seeds each)</td>"))
            let alive = (1...6).map { k in data.configurationCounts.filter { $0.total >= k }.count }
            #expect(alive[0...2] == [8, 8, 8] && alive[3] < 8 && alive == alive.sorted(by: >))
        }
    }

    @Test("a coordinator killed while trials wait at a rung resumes to the same decisions; a worker killed mid-segment leaves nothing doubled")
    func resume() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("sweep.yaml", Self.hyperband)
        #expect(try runDepthFarm(["run", sweep, "--out", folder.file("undisturbed"), "--workers", "2"]).status == 0)
        let out = folder.file("out")
        let endpoint = "tcp://127.0.0.1:\(freePort())"
        let arguments = ["coordinator", sweep, "--bind", endpoint, "--out", out, "--heartbeat-ms", "200"]
        let first = try BackgroundProcess(arguments, folder: folder, name: "first")
        #expect(Fixtures.endpoint(of: first) != nil)
        let doomed = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "1", "--name", "doomed"], folder: folder,
                                           name: "doomed", environment: ["DEPTHFARM_SLOW_WINDOW_MS": "20"])
        let workers = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "2"], folder: folder, name: "workers",
                                            environment: ["DEPTHFARM_SLOW_WINDOW_MS": "5"])
        // Checkpoints appear as trials pause at the first rung.
        #expect(waitUntil(timeout: 60) { ((try? FileManager.default.contentsOfDirectory(atPath: out + "/checkpoints"))?.count ?? 0) >= 6 })
        doomed.signal(SIGKILL)
        #expect(Fixtures.waitForFinished(out, count: 6))
        first.signal(SIGKILL)
        #expect(first.wait(timeout: 10) == 137)
        let second = try BackgroundProcess(arguments, folder: folder, name: "second")
        #expect(second.wait(timeout: 120) == 0, "\(second.standardError)")
        #expect(workers.wait(timeout: 20) == 0)
        #expect(try Fixtures.journaled(out).count == 27 && Fixtures.journaled(out).values.allSatisfy { $0 == 1 })
        // Attempts and failures aside (the killed worker lost an attempt).
        #expect(try SearchTests.trialsWithoutTiming(out).map { Array($0.prefix(4)) + Array($0.dropFirst(6)) }
                == SearchTests.trialsWithoutTiming(folder.file("undisturbed")).map { Array($0.prefix(4)) + Array($0.dropFirst(6)) })
        #expect(try Fixtures.metricsWithoutTiming(out) == Fixtures.metricsWithoutTiming(folder.file("undisturbed")))
        #expect(try String(contentsOfFile: out + "/decisions.csv", encoding: .utf8)
                == String(contentsOfFile: folder.file("undisturbed") + "/decisions.csv", encoding: .utf8))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: out + "/checkpoints"))?.isEmpty ?? true)
    }

    @Test("a race whose coordinator is killed mid-block resumes to the same seed blocks and eliminations")
    func raceResume() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("sweep.yaml", Self.race)
        #expect(try runDepthFarm(["run", sweep, "--out", folder.file("undisturbed"), "--workers", "2"]).status == 0)
        let out = folder.file("out")
        let endpoint = "tcp://127.0.0.1:\(freePort())"
        let arguments = ["coordinator", sweep, "--bind", endpoint, "--out", out, "--heartbeat-ms", "200"]
        let first = try BackgroundProcess(arguments, folder: folder, name: "first")
        #expect(Fixtures.endpoint(of: first) != nil)
        let workers = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "2"], folder: folder, name: "workers",
                                            environment: ["DEPTHFARM_SLOW_WINDOW_MS": "5"])
        // Into the second seed block: its trials were proposed (journaled) after the first block.
        #expect(Fixtures.waitForFinished(out, count: 10))
        first.signal(SIGKILL)
        #expect(first.wait(timeout: 10) == 137)
        let second = try BackgroundProcess(arguments, folder: folder, name: "second")
        #expect(second.wait(timeout: 120) == 0, "\(second.standardError)")
        #expect(workers.wait(timeout: 20) == 0)
        #expect(try Fixtures.journaled(out).values.allSatisfy { $0 == 1 })
        #expect(try SearchTests.trialsWithoutTiming(out).map { Array($0.prefix(4)) + Array($0.dropFirst(6)) }
                == SearchTests.trialsWithoutTiming(folder.file("undisturbed")).map { Array($0.prefix(4)) + Array($0.dropFirst(6)) })
        #expect(try String(contentsOfFile: out + "/decisions.csv", encoding: .utf8)
                == String(contentsOfFile: folder.file("undisturbed") + "/decisions.csv", encoding: .utf8))
        // Read back alone (summarize, report), the folder is the same search.
        let summary = try runDepthFarm(["summarize", out])
        #expect(summary.status == 0, "\(summary.standardError)")
    }

    static let bad: [(String, String)] = [
        ("early_terminate: {type: hyperband, min_iter: 1, eta: 1}\n", "early_terminate.eta: must be > 1 (got 1)"),
        ("early_terminate: {type: hyperband, min_iter: 9}\nparameters:\n  epochs: {value: 5}\n", "early_terminate.min_iter: must be at most epochs (9 > 5)"),
        ("early_terminate: {type: hyperband, max_iter: 81}\n", "early_terminate: needs min_iter, or max_iter with s"),
        ("early_terminate: {type: asha, min_iter: 1}\n", "early_terminate.type: must be hyperband (got 'asha')"),
        ("early_terminate: {type: hyperband, min_iter: 1}\nparameters:\n  epochs: {values: [1, 9]}\n",
         "early_terminate: gives no rung before the last epoch (1)"),
        ("early_terminate: {type: hyperband, min_iter: 1}\nparameters:\n  task: {value: adding}\n",
         "metric.name: test_acc is not recorded for task adding"),
        ("method: race\nseeds: [0, 1, 2]\nparameters:\n  lr: {values: [0.1, 0.2]}\n", "seeds: a race tests after 5 seeds (race.first_test): give at least that many (3 given)"),
        ("method: race\nseeds: {count: 6}\nrace: {test: wilcoxon}\nparameters:\n  lr: {values: [0.1, 0.2]}\n", "race.test: must be friedman or t-test (got 'wilcoxon')"),
        ("method: race\nseeds: {count: 6}\nearly_terminate: {type: hyperband, min_iter: 1}\nparameters:\n  lr: {values: [0.1, 0.2]}\n",
         "early_terminate: a race eliminates configurations itself"),
        ("race: {first_test: 3}\n", "race: settings of method: race (method is grid)"),
    ]

    @Test("bad early stopping and racing: one clear line each, nothing written", arguments: bad)
    func badInput(_ text: String, _ message: String) throws {
        let folder = TemporaryFolder()
        let path = try folder.write("bad.yaml", text)
        let result = try runDepthFarm(["run", path, "--out", folder.file("out")])
        #expect(result.status != 0 && result.errorLines.count == 1 && result.standardError.contains(message), "\(result.standardError)")
        #expect(folder.entries() == ["bad.yaml"])
    }
}
