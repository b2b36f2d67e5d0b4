import Foundation
import Testing
import TestSupport
import TrainingCore
import TrialFarm

/// `depthfarm export`: a real sweep exported both ways and read back by MLflow's and TensorBoard's
/// own readers (Tests/Python/read_exports.py, run with $DEPTHFARM_TEST_PYTHON, which scripts/test
/// sets to a venv with mlflow-skinny and tensorboard); exports are deterministic; an existing
/// folder is not clobbered.
@Suite(.serialized) struct ExportTests {
    static let python = ProcessInfo.processInfo.environment["DEPTHFARM_TEST_PYTHON"]
    static let skipReason: Comment = "DEPTHFARM_TEST_PYTHON is not set: scripts/test sets it to .venv-test/bin/python (mlflow-skinny, tensorboard)"
    static let reader = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Python/read_exports.py").path

    /// The small sweep (4 configurations × 3 seeds, bptt and bptd: per-lag series), run into folder/out.
    static func finishedSweep(_ folder: TemporaryFolder) throws -> String {
        let out = folder.file("out")
        let result = try runDepthFarm(["run", try folder.write("small.yaml", Fixtures.small), "--out", out, "--workers", "2"])
        #expect(result.status == 0, "\(result.standardError)")
        return out
    }

    /// What the result folder holds for one trial, read from trials.csv and metrics.csv.
    struct ExpectedRun {
        var name: String
        var trialID: String, configID: String, seed: String, status: String
        var parameters: [String: String]
        /// Series name → (step, value text of metrics.csv), in the order of metrics.csv.
        var series: [String: [(step: Int, value: String)]]
    }

    /// The runs an export should hold, derived from the CSV files (not from the exporter's code):
    /// run names `trial-NN` + the varied parameters + the seed; series `epoch/METRIC` (step =
    /// epoch) and `window/METRIC` (step = window), `_lag_N` for a lag.
    static func expectedRuns(_ out: String) throws -> [ExpectedRun] {
        let trials = try Fixtures.rows(out + "/trials.csv")
        let header = trials[0], rows = Array(trials.dropFirst())
        let parameterColumns = Array(header.indices.dropFirst(ResultFiles.trialColumns.count))
        let varied = parameterColumns.filter { column in Set(rows.map { $0[column] }).count > 1 }
        let width = String(rows.count - 1).count
        var runs: [ExpectedRun] = []
        var indexOfTrial: [String: Int] = [:]
        for (index, row) in rows.enumerated() {
            let field = { (name: String) in row[header.firstIndex(of: name)!] }
            let number = String(index)
            let name = (["trial-" + String(repeating: "0", count: width - number.count) + number] + varied.map { "\(header[$0])=\(row[$0])" }
                        + ["seed=\(field("seed"))"]).joined(separator: "_")
            runs.append(ExpectedRun(name: name, trialID: field("trial_id"), configID: field("config_id"), seed: field("seed"), status: field("status"),
                                    parameters: Dictionary(uniqueKeysWithValues: parameterColumns.map { (header[$0], row[$0]) }), series: [:]))
            indexOfTrial[field("trial_id")] = index
        }
        let metrics = try Fixtures.rows(out + "/metrics.csv")
        #expect(metrics[0] == ["trial_id", "config_id", "seed", "epoch", "step", "metric", "lag", "value"])
        for row in metrics.dropFirst() {
            let (trial, epoch, step, metric, lag, value) = (row[0], row[3], row[4], row[5], row[6], row[7])
            let name = (step.isEmpty ? "epoch/" : "window/") + metric + (lag.isEmpty ? "" : "_lag_\(lag)")
            runs[indexOfTrial[trial]!].series[name, default: []].append((Int(step.isEmpty ? epoch : step)!, value))
        }
        return runs
    }

    /// Runs the Python reader; its JSON.
    static func read(_ format: String, _ folder: String) throws -> [String: Any] {
        let result = try run(python!, [reader, "--\(format)", folder])
        #expect(result.status == 0, "\(result.standardError)")
        return try #require(JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any], "\(result.standardOutput)")
    }

    /// Whether two values are the same number (NaN equal to NaN).
    static func same<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> Bool { a == b || (a.isNaN && b.isNaN) }

    /// MLflow's status for each of ours.
    static let mlflowStatus = ["completed": "FINISHED", "diverged": "FINISHED", "pruned": "KILLED", "failed": "FAILED", "pending": "SCHEDULED"]

    /// Checks the MLflow store in `store` against the result folder `out`; how many values it compared.
    @discardableResult
    static func checkMLflow(_ store: String, against out: String) throws -> Int {
        let expected = try expectedRuns(out)
        let read = try read("mlflow", store)
        let experiments = try #require(read["experiments"] as? [[String: Any]])
        #expect(experiments.count == 1 && experiments.first?["name"] as? String == "small")
        let runs = try #require(experiments.first?["runs"] as? [[String: Any]])
        #expect(runs.count == expected.count)
        #expect(Set(runs.compactMap { $0["run_id"] as? String }).count == expected.count)
        let byName = Dictionary(uniqueKeysWithValues: runs.map { ($0["run_name"] as? String ?? "", $0) })
        var compared = 0
        for run in expected {
            let actual = try #require(byName[run.name], "no run \(run.name) among \(byName.keys.sorted())")
            #expect(actual["status"] as? String == mlflowStatus[run.status], "\(run.name)")
            #expect(actual["params"] as? [String: String] == run.parameters)
            let tags = try #require(actual["tags"] as? [String: String])
            #expect(tags["mlflow.runName"] == run.name && tags["trial_id"] == run.trialID && tags["config_id"] == run.configID
                    && tags["seed"] == run.seed && tags["status"] == run.status, "\(tags)")
            let metrics = try #require(actual["metrics"] as? [String: [[Any]]])
            #expect(Set(metrics.keys) == Set(run.series.keys))
            for (name, values) in run.series {
                let history = metrics[name] ?? []
                #expect(history.map { $0[0] as? Int } == values.map(\.step), "\(run.name) \(name)")
                let same = history.count == values.count && zip(history, values).allSatisfy { point, value in
                    Self.same(Double(point[1] as? String ?? "")!, Double(value.value)!)
                }
                #expect(same, "\(run.name) \(name): \(history.prefix(3)) vs \(values.prefix(3))")
                compared += values.count
            }
        }
        return compared
    }

    /// Checks the TensorBoard logs in `logs` against the result folder `out`; how many values it compared.
    @discardableResult
    static func checkTensorBoard(_ logs: String, against out: String) throws -> Int {
        let expected = try expectedRuns(out).filter { !$0.series.isEmpty }
        let runs = try #require(try read("tensorboard", logs)["runs"] as? [String: [String: Any]])
        #expect(Set(runs.keys) == Set(expected.map(\.name)))
        var compared = 0
        for run in expected {
            let actual = try #require(runs[run.name])
            #expect(actual["file_version"] as? Double == 2)
            let scalars = try #require(actual["scalars"] as? [String: [[Any]]])
            #expect(Set(scalars.keys) == Set(run.series.keys))
            for (name, values) in run.series {
                let points = scalars[name] ?? []
                #expect(points.map { $0[0] as? Int } == values.map(\.step), "\(run.name) \(name)")
                let same = points.count == values.count && zip(points, values).allSatisfy { point, value in
                    // TensorBoard's simple_value is a float32: metrics.csv's float64 rounded to it.
                    Self.same(Float(Double(point[1] as? String ?? "")!), Float(Double(value.value)!))
                }
                #expect(same, "\(run.name) \(name): \(points.prefix(3)) vs \(values.prefix(3))")
                compared += values.count
            }
        }
        return compared
    }

    @Test("MLflow's reader finds the sweep's experiment and a run per trial: name, every parameter, the tags, every metric value and step",
          .enabled(if: python != nil, skipReason))
    func mlflow() throws {
        let folder = TemporaryFolder()
        let out = try Self.finishedSweep(folder)
        let export = try runDepthFarm(["export", out, "--to", "mlflow"])
        #expect(export.status == 0 && export.standardOutput.contains("to \(out)/export/mlflow"), "\(export.standardError)")
        let expected = try Self.expectedRuns(out)
        #expect(expected.allSatisfy { $0.status == "completed" } && expected.contains { $0.series.keys.contains("window/grad_cos_lag_3") })
        #expect(try Self.checkMLflow(out + "/export/mlflow", against: out) > 1000)
    }

    @Test("TensorBoard's reader finds a run folder per trial with every metric at its step, equal as float32",
          .enabled(if: python != nil, skipReason))
    func tensorboard() throws {
        let folder = TemporaryFolder()
        let out = try Self.finishedSweep(folder)
        let target = folder.file("tb")
        let export = try runDepthFarm(["export", out, "--to", "tensorboard", "--out", target])
        #expect(export.status == 0, "\(export.standardError)")
        #expect(try Self.checkTensorBoard(target, against: out) > 1000)
    }

    @Test("an interrupted sweep: its pending trials are SCHEDULED MLflow runs without metrics and have no TensorBoard run",
          .enabled(if: python != nil, skipReason))
    func interrupted() throws {
        let folder = TemporaryFolder()
        let out = try Self.finishedSweep(folder)
        // The study grown by a seed, its coordinator stopped before any worker came: 4 trials pending.
        let grown = try folder.write("grown.yaml", Fixtures.small.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [0, 1, 2, 3]"))
        let (coordinator, _) = try Fixtures.coordinator(grown, out: out, folder: folder)
        coordinator.signal(SIGTERM)
        #expect(coordinator.wait(timeout: 20) == 143)
        let statuses = try Fixtures.trials(out).map { $0["status"] ?? "" }
        #expect(statuses.count == 16 && statuses.count { $0 == "pending" } == 4, "\(statuses)")
        for format in ["mlflow", "tensorboard"] {
            let export = try runDepthFarm(["export", out, "--to", format])
            #expect(export.status == 0, "\(export.standardError)")
        }
        #expect(try Self.checkMLflow(out + "/export/mlflow", against: out) > 1000)
        #expect(try Self.checkTensorBoard(out + "/export/tensorboard", against: out) > 1000)
    }

    @Test("exporting again gives the same bytes; an existing export is refused without --force and replaced with it; a user's folder never")
    func deterministicAndForce() throws {
        let folder = TemporaryFolder()
        let out = try Self.finishedSweep(folder)
        for format in ["mlflow", "tensorboard"] {
            let target = out + "/export/" + format
            #expect(try runDepthFarm(["export", out, "--to", format]).status == 0)
            let first = HostileInputTests.snapshot(target)
            #expect(first.count > 10 && first.keys.contains(".depthfarm-export"))
            let refused = try runDepthFarm(["export", out, "--to", format])
            #expect(refused.status != 0 && refused.errorLines == ["Error: \(target): is not empty (add --force to replace an earlier export there)"],
                    "\(refused.standardError)")
            #expect(HostileInputTests.snapshot(target) == first)
            sleep(1)  // a time taken from the clock would now differ
            let again = try runDepthFarm(["export", out, "--to", format, "--force"])
            #expect(again.status == 0, "\(again.standardError)")
            #expect(HostileInputTests.snapshot(target) == first)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: out + "/export").filter { $0.contains(".partial-") || $0.contains(".old-") }
            #expect(leftovers.isEmpty)
        }
        let mine = folder.file("mine")
        try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: true)
        _ = try folder.write("mine/notes.txt", "a user's own file\n")
        let before = HostileInputTests.snapshot(folder.path)
        let refused = try runDepthFarm(["export", out, "--to", "mlflow", "--out", mine, "--force"])
        #expect(refused.status != 0 && refused.errorLines.count == 1 && refused.errorLines[0].contains("not a depthfarm export"), "\(refused.standardError)")
        #expect(HostileInputTests.snapshot(folder.path) == before)
    }
}
