import Foundation
import Glibc
import Testing
import TestSupport
import TrainingCore
import TrialFarm

/// Searches that learn, studies that grow and paired draws, end to end: the real binary, real
/// processes, real sockets.
@Suite(.serialized) struct SearchTests {
    /// 10 draws of lr, beta1, clip and the optimizer, crossed with bptt/bptd, on 2 seeds: 40 short trials.
    static let bayes = """
        name: bayes-small
        method: bayes
        run_cap: 10
        sample_seed: 3
        seeds: [0, 1]
        metric: {name: test_acc, goal: maximize}
        bayes: {startup: 4, generation: 2}
        grid_over: [method]
        parameters:
          seq_len: {value: 60}
          bptt_t: {value: 10}
          batch: {value: 8}
          epochs: {value: 2}
          hidden: {value: 8}
          method: {values: [bptt, bptd]}
          lr: {distribution: log_uniform_values, min: 1.0e-4, max: 0.1}
          beta1: {distribution: uniform, min: 0.5, max: 0.99}
          clip: {distribution: q_uniform, min: 0.5, max: 4, q: 0.5}
          optimizer: {values: [adam, adamw]}
        """

    /// trials.csv without what depends on timing or the worker: the trial, its configuration and outcome.
    static func trialsWithoutTiming(_ folder: String) throws -> [[String]] {
        try Fixtures.rows(folder + "/trials.csv").map { row in row.indices.filter { ![6, 7, 8, 9].contains($0) }.map { row[$0] } }
    }

    @Test("a bayes search gives the same trials and numbers on 1 worker and on 3")
    func bayesDeterminism() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("bayes.yaml", Self.bayes)
        let one = try runDepthFarm(["run", sweep, "--out", folder.file("one"), "--workers", "1"])
        let three = try runDepthFarm(["run", sweep, "--out", folder.file("three"), "--workers", "3"])
        #expect(one.status == 0 && three.status == 0, "\(one.standardError)\(three.standardError)")
        #expect(one.standardError.contains("up to 40 trials (10 draws × 2 method values × 2 seeds, TPE)"))
        #expect(try Self.trialsWithoutTiming(folder.file("one")) == Self.trialsWithoutTiming(folder.file("three")))
        let metrics = try Fixtures.metricsWithoutTiming(folder.file("one"))
        #expect(metrics == (try Fixtures.metricsWithoutTiming(folder.file("three"))) && metrics.count > 1000)
        let trials = try Fixtures.trials(folder.file("one"))
        #expect(trials.count == 40 && Set(trials.map { $0["lr"]! }).count == 10)
        // The journal records each configuration the search added, before the results of its trials.
        let journal = try String(contentsOfFile: folder.file("one") + "/journal.log", encoding: .utf8)
        #expect(journal.components(separatedBy: "\nconfiguration\t").count - 1 == 20)
    }

    @Test("a coordinator killed mid-search and restarted continues with exactly the proposals an undisturbed run makes")
    func bayesResume() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("bayes.yaml", Self.bayes)
        #expect(try runDepthFarm(["run", sweep, "--out", folder.file("undisturbed"), "--workers", "2"]).status == 0)
        let out = folder.file("out")
        let endpoint = "tcp://127.0.0.1:\(freePort())"
        let arguments = ["coordinator", sweep, "--bind", endpoint, "--out", out, "--heartbeat-ms", "200"]
        let first = try BackgroundProcess(arguments, folder: folder, name: "first")
        #expect(Fixtures.endpoint(of: first) != nil)
        let workers = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "2"], folder: folder, name: "workers",
                                            environment: ["DEPTHFARM_SLOW_WINDOW_MS": "5"])
        #expect(Fixtures.waitForFinished(out, count: 18))  // past the random start: TPE has proposed
        first.signal(SIGKILL)
        #expect(first.wait(timeout: 10) == 137)
        let second = try BackgroundProcess(arguments, folder: folder, name: "second")
        #expect(second.wait(timeout: 120) == 0, "\(second.standardError)")
        #expect(workers.wait(timeout: 20) == 0)
        #expect(try Self.trialsWithoutTiming(out).map { Array($0.prefix(4)) + Array($0.dropFirst(5)) }
                == Self.trialsWithoutTiming(folder.file("undisturbed")).map { Array($0.prefix(4)) + Array($0.dropFirst(5)) })
        #expect(try Fixtures.metricsWithoutTiming(out) == Fixtures.metricsWithoutTiming(folder.file("undisturbed")))
    }

    @Test("studies grow: more seeds, more samples, a higher run_cap run only what is new and end as a fresh run would")
    func growth() throws {
        let folder = TemporaryFolder()
        let out = folder.file("grid")
        let two = try folder.write("two.yaml", Fixtures.small.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [0, 1]"))
        let three = try folder.write("three.yaml", Fixtures.small)
        #expect(try runDepthFarm(["run", two, "--out", out]).status == 0)
        let grown = try runDepthFarm(["run", three, "--out", out])
        #expect(grown.status == 0 && grown.standardError.contains("the study grows: 1 seed added"), "\(grown.standardError)")
        #expect(grown.standardError.contains("12 trials (4 configurations × 3 seeds), 8 already complete"))
        #expect(try Fixtures.journaled(out).count == 12 && Fixtures.journaled(out).values.allSatisfy { $0 == 1 })
        #expect(try runDepthFarm(["run", three, "--out", folder.file("fresh")]).status == 0)
        #expect(try Fixtures.metricsWithoutTiming(out) == Fixtures.metricsWithoutTiming(folder.file("fresh")))

        let bayes = folder.file("bayes")
        let small = try folder.write("b10.yaml", Self.bayes)
        let larger = try folder.write("b12.yaml", Self.bayes.replacingOccurrences(of: "run_cap: 10", with: "run_cap: 12"))
        #expect(try runDepthFarm(["run", small, "--out", bayes]).status == 0)
        let more = try runDepthFarm(["run", larger, "--out", bayes])
        #expect(more.status == 0 && more.standardError.contains("the study grows: samples 10 → 12"), "\(more.standardError)")
        #expect(try runDepthFarm(["run", larger, "--out", folder.file("bayes-fresh")]).status == 0)
        #expect(try Self.trialsWithoutTiming(bayes) == Self.trialsWithoutTiming(folder.file("bayes-fresh")))
    }

    static let changes: [(String, String, String)] = [
        ("lr: {distribution: log_uniform_values, min: 1.0e-4, max: 0.1}", "lr: {distribution: log_uniform_values, min: 1.0e-4, max: 0.2}",
         "parameters.lr: {distribution: log_uniform_values, min: 1.0e-4, max: 0.1} → {distribution: log_uniform_values, min: 1.0e-4, max: 0.2}"),
        ("seeds: [0, 1]", "seeds: [0, 1, 2]", "seeds: a bayes search scored its proposals on its seeds"),
        ("run_cap: 10", "run_cap: 8", "samples: 10 → 8 (fewer draws would drop results)"),
        ("sample_seed: 3", "sample_seed: 4", "sample_seed: 3 → 4"),
    ]

    @Test("a change that alters existing trials is refused with a line saying what changed, and nothing on disk moves", arguments: changes)
    func refusedChange(_ before: String, _ after: String, _ message: String) throws {
        let folder = TemporaryFolder()
        let out = folder.file("out")
        #expect(try runDepthFarm(["run", try folder.write("a.yaml", Self.bayes), "--out", out]).status == 0)
        let snapshot = HostileInputTests.snapshot(out)
        let changed = try folder.write("b.yaml", Self.bayes.replacingOccurrences(of: before, with: after))
        let refused = try runDepthFarm(["run", changed, "--out", out])
        #expect(refused.status != 0 && refused.errorLines.count == 1 && refused.standardError.contains(message), "\(refused.standardError)")
        #expect(refused.standardError.contains("choose another --out or add --force"))
        #expect(HostileInputTests.snapshot(out) == snapshot)
    }

    @Test("paired draws: the leaderboard gives each BPTD configuration's difference from BPTT on the same draw and seeds")
    func paired() throws {
        let folder = TemporaryFolder()
        let out = folder.file("out")
        let sweep = try folder.write("paired.yaml", """
            method: random
            samples: 3
            seeds: [0, 1, 2]
            grid_over: [method]
            parameters:
              seq_len: {value: 60}
              bptt_t: {value: 10}
              batch: {value: 8}
              epochs: {value: 2}
              method: {values: [bptt, bptd]}
              lr: {distribution: log_uniform_values, min: 1.0e-3, max: 0.1}
            """)
        #expect(try runDepthFarm(["run", sweep, "--out", out]).status == 0)
        let trials = try Fixtures.trials(out)
        #expect(trials.count == 18)
        let board = try Fixtures.rows(out + "/leaderboard.csv")
        let header = board[0]
        let column = { (name: String) in header.firstIndex(of: name)! }
        for row in board.dropFirst() where row[column("method")] == "bptd" {
            let lr = row[column("lr")]
            var difference = RunningStatistics()
            for seed in ["0", "1", "2"] {
                let value = { (method: String) in Double(trials.first { $0["lr"] == lr && $0["method"] == method && $0["seed"] == seed }!["test_acc"]!)! }
                difference.add(value("bptd") - value("bptt"))
            }
            #expect(row[column("paired_n")] == "3" && Double(row[column("paired_diff")]) == difference.mean)
            let interval = try #require(difference.confidenceInterval95)
            #expect(Double(row[column("paired_ci95_low")]) == interval.low && Double(row[column("paired_ci95_high")]) == interval.high)
        }
        #expect(board.dropFirst().filter { $0[column("method")] == "bptt" }.allSatisfy { $0[column("paired_diff")].isEmpty })
    }

    /// A sweep file as W&B documents one (docs.wandb.ai, "Define a sweep configuration"), for a training script.
    static let wandb = """
        program: train.py
        method: bayes
        name: sweep
        description: a W&B sweep as written for a training script
        project: my-first-sweep
        entity: my-team
        metric:
          goal: minimize
          name: validation_loss
        run_cap: 20
        parameters:
          batch_size:
            values: [16, 32, 64]
          epochs:
            values: [5, 10, 15]
          lr:
            max: 0.1
            min: 0.0001
          optimizer:
            values: ["adam", "sgd"]
          dropout:
            distribution: q_uniform
            min: 0
            max: 0.5
            q: 0.1
        early_terminate:
          type: hyperband
          min_iter: 3
        command:
          - ${env}
          - ${interpreter}
          - ${program}
          - ${args}
        """

    @Test("a W&B sweep file: its only errors are the DepthFarm-specific names; the keys about scripts and servers are noted")
    func wandbFile() throws {
        let folder = TemporaryFolder()
        let path = try folder.write("wandb.yaml", Self.wandb)
        let result = try runDepthFarm(["run", path, "--out", folder.file("out")])
        #expect(result.status != 0)
        let errors = result.standardError.split(separator: "\n").filter { !$0.contains("note: ") }
        #expect(errors.count == 3, "\(result.standardError)")
        #expect(result.standardError.contains("metric.name: must be one of test_acc, test_loss, train_acc, train_loss (got 'validation_loss')"))
        #expect(result.standardError.contains("parameters.batch_size: unknown parameter (did you mean 'batch'?)"))
        #expect(result.standardError.contains("parameters.dropout: unknown parameter"))
        #expect(result.standardError.contains("parameters.lr") == false)  // lr is DepthFarm's name too
        for key in ["program", "project", "entity", "command"] { #expect(result.standardError.contains("note: \(path):") && result.standardError.contains("\(key): ignored: ")) }
        // With those names changed it runs.
        let fixed = try folder.write("fixed.yaml", Self.wandb.replacingOccurrences(of: "validation_loss", with: "test_loss")
            .replacingOccurrences(of: "batch_size:", with: "batch:").replacingOccurrences(of: "dropout:", with: "weight_decay:")
            .replacingOccurrences(of: "run_cap: 20", with: "run_cap: 3")
            .replacingOccurrences(of: "parameters:\n", with: "parameters:\n  seq_len: {value: 40}\n  bptt_t: {value: 10}\n  test_size: {value: 8}\n"))
        let runs = try runDepthFarm(["run", fixed, "--out", folder.file("out"), "--workers", "2"])
        #expect(runs.status == 0 && runs.standardError.contains("up to 3 trials (3 draws × 1 seed, TPE)"), "\(runs.standardError)")
    }

    static let badSearches: [(String, String)] = [
        ("method: bayes\nsamples: 4\nparameters:\n  hidden: {distribution: normal, mu: 32, sigma: 4}\n",
         "parameters.hidden: distribution normal draws fractions; hidden takes integers"),
        ("method: bayes\nsamples: 4\nmetric: {name: test_acc, target: high}\nparameters:\n  lr: {values: [0.1, 0.2]}\n",
         "metric.target: must be a finite number (got 'high')"),
        ("method: bayes\nsamples: 4\nparameters:\n  lr: {value: 0.1}\n", "method bayes needs a parameter to search"),
        ("method: bayes\nparameters:\n  lr: {values: [0.1, 0.2]}\n", "bayes search needs samples (or run_cap)"),
        ("method: random\nsamples: 2\nrun_cap: 3\nparameters:\n  lr: {values: [0.1, 0.2]}\n", "run_cap: differs from samples (3 ≠ 2)"),
        ("method: random\nsamples: 2\ngrid_over: [hidden]\nparameters:\n  lr: {values: [0.1, 0.2]}\n", "grid_over: hidden is not among the parameters"),
        ("method: random\nsamples: 2\ngrid_over: [lr]\nparameters:\n  lr: {distribution: uniform, min: 0.1, max: 0.2}\n",
         "grid_over: lr must be given by values"),
        ("grid_over: [lr]\nparameters:\n  lr: {values: [0.1, 0.2]}\n", "grid_over: a grid crosses every parameter already"),
        ("method: bayes\nsamples: 2\nseeds: [0]\nmetric: {aggregate: ci_low}\nparameters:\n  lr: {values: [0.1, 0.2]}\n",
         "metric.aggregate: ci_low needs at least 2 seeds"),
        ("method: bayes\nsamples: 2\nbayes: {generation: 0}\nparameters:\n  lr: {values: [0.1, 0.2]}\n", "bayes.generation: must be in 1 … 100000 (got 0)"),
        ("parameters:\n  lr: {parameters: {a: {value: 1}}}\n", "parameters.lr.parameters: nested parameters are not supported"),
    ]

    @Test("bad searches: one clear line each, nothing written", arguments: badSearches)
    func badSearch(_ text: String, _ message: String) throws {
        let folder = TemporaryFolder()
        let path = try folder.write("bad.yaml", text)
        let result = try runDepthFarm(["run", path, "--out", folder.file("out")])
        #expect(result.status != 0 && result.errorLines.count == 1 && result.standardError.contains(message), "\(result.standardError)")
        #expect(folder.entries() == ["bad.yaml"])
    }
}
