import Foundation
import Glibc
import TrainingCore

/// The derived files of an output folder, rebuilt from the journal and the completed trials'
/// metric files — at the end of a sweep, on a graceful stop, and by `depthfarm summarize`. Each is
/// written to a temporary file and renamed into place, and each is built streaming, one trial or
/// one configuration at a time, never the whole sweep's metrics in memory.
///
/// - `metrics.csv`: every completed trial's rows, in plan order (so the file does not depend on
///   which worker finished first).
/// - `trials.csv`: one row per trial of the plan.
/// - `summary.csv`: per configuration, epoch, metric and lag, statistics across the seeds whose
///   trials completed; diverged trials are counted in their own column, not averaged.
/// - `leaderboard.csv`: configurations ranked by the sweep's metric at their last epoch.
public enum ResultFiles {
    public static func writeAll(_ store: ResultStore) throws {
        try writeMetrics(store)
        try writeTrials(store)
        try writeSummaries(store)
    }

    // MARK: metrics.csv

    static func writeMetrics(_ store: ResultStore) throws {
        let path = store.folder + "/metrics.csv"
        let file = try BufferedFile(temporaryFor: path)
        file.write(ResultStore.metricsHeader + "\n")
        try file.flush()
        for index in store.plan.trials.indices where store.isComplete(index) {
            file.write(try store.rows(index))
        }
        try file.commit(to: path)
    }

    // MARK: trials.csv

    public static let trialColumns = ["trial_id", "config_id", "seed", "status", "attempts", "failures", "host", "started",
                                      "finished", "seconds", "diverged_step", "steps", "epochs_completed", "train_loss", "train_acc",
                                      "test_loss", "test_acc", "error"]

    static func writeTrials(_ store: ResultStore) throws {
        let path = store.folder + "/trials.csv"
        let file = try BufferedFile(temporaryFor: path)
        let parameters = TrialConfig.parameterNames.filter { $0 != "seed" }
        file.write(CSV.row(trialColumns + parameters))
        // The parameter columns of the last configuration (trials come configuration by configuration).
        var cached: (configuration: Int32, columns: [String])?
        for (index, trial) in store.plan.trials.enumerated() {
            var fields = [SweepPlan.hex(trial.id), SweepPlan.hex(store.plan.configurationIDs[Int(trial.configuration)]), String(trial.seed)]
            if let entry = store.finished[index] {
                let outcome = entry.outcome
                let status = entry.kind == .failed ? "failed" : outcome!.status.rawValue
                fields += [status, String(entry.attempt), String(entry.failures), entry.host, timestamp(entry.started),
                           timestamp(entry.finished), MetricCSV.format(entry.finished - entry.started),
                           outcome?.divergedStep.map(String.init) ?? "", outcome.map { String($0.steps) } ?? "",
                           outcome.map { String($0.epochsCompleted) } ?? ""]
                fields += [outcome?.trainLoss, outcome?.trainAccuracy, outcome?.testLoss, outcome?.testAccuracy].map { $0.map(MetricCSV.format) ?? "" }
                fields.append(entry.error ?? "")
            } else {
                fields += ["pending"] + [String](repeating: "", count: trialColumns.count - 4)
            }
            if cached?.configuration != trial.configuration {
                let values = store.plan.configurations[Int(trial.configuration)].parameterValues
                cached = (trial.configuration, parameters.map { name in values.first { $0.name == name }!.value.description })
            }
            file.write(CSV.row(fields + cached!.columns))
        }
        try file.commit(to: path)
    }

    static func timestamp(_ unixSeconds: Double) -> String {
        Date(timeIntervalSince1970: unixSeconds).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    // MARK: summary.csv and leaderboard.csv

    public static let summaryStatistics = ["n", "diverged", "mean", "std", "sem", "ci95_low", "ci95_high", "min", "max"]

    /// Per-epoch statistics of one configuration, by (epoch, metric, lag).
    struct Key: Hashable, Comparable {
        let epoch: Int
        let metric: Int  // the metric's index in Metric.allCases
        let lag: Int  // −1 for none
        static func < (a: Key, b: Key) -> Bool { (a.epoch, a.metric, a.lag) < (b.epoch, b.metric, b.lag) }
    }

    static func writeSummaries(_ store: ResultStore) throws {
        let plan = store.plan
        let varied = plan.variedParameters
        let summaryPath = store.folder + "/summary.csv", leaderboardPath = store.folder + "/leaderboard.csv"
        let summary = try BufferedFile(temporaryFor: summaryPath)
        summary.write(CSV.row(["config_id"] + varied + ["epoch", "metric", "lag"] + summaryStatistics))
        let metricIndex = Dictionary(uniqueKeysWithValues: Metric.allCases.enumerated().map { ($1.rawValue, $0) })
        var tCache: [Int: Double] = [:]
        var board: [(configuration: Int, n: Int, diverged: Int, failed: Int, statistics: RunningStatistics?)] = []
        let seeds = plan.sweep.seeds.count
        for (configuration, config) in plan.configurations.enumerated() {
            var statistics: [Key: RunningStatistics] = [:]
            var completed = 0, diverged = 0, failed = 0
            for index in (configuration * seeds)..<((configuration + 1) * seeds) {
                guard let entry = store.finished[index] else { continue }
                if entry.kind == .failed { failed += 1; continue }
                if entry.outcome?.status == .diverged { diverged += 1; continue }
                completed += 1
                var text = try store.rows(index)
                text.withUTF8 { bytes in
                    forEachEpochRow(bytes) { fields in
                        guard let epoch = Int(fields[0]), let metric = metricIndex[String(fields[1])], let value = Double(fields[3])
                        else { return }
                        statistics[Key(epoch: epoch, metric: metric, lag: Int(fields[2]) ?? -1), default: RunningStatistics()].add(value)
                    }
                }
            }
            let values = config.parameterValues
            let prefix = [SweepPlan.hex(plan.configurationIDs[configuration])]
                + varied.map { name in values.first { $0.name == name }!.value.description }
            for key in statistics.keys.sorted() {
                let s = statistics[key]!
                let metric = Metric.allCases[key.metric]
                summary.write(CSV.row(prefix + [String(key.epoch), metric.rawValue, key.lag < 0 ? "" : String(key.lag)]
                                      + describe(s, diverged: diverged, tCache: &tCache)))
            }
            try summary.flush()
            let rankKey = Key(epoch: config.epochs, metric: metricIndex[plan.sweep.metric.rawValue]!, lag: -1)
            board.append((configuration, completed, diverged, failed, statistics[rankKey]))
        }
        try summary.commit(to: summaryPath)

        board = leaderboardOrder(board.map { $0.statistics?.mean }, goal: plan.sweep.goal).map { board[$0] }
        let leaderboard = try BufferedFile(temporaryFor: leaderboardPath)
        leaderboard.write(CSV.row(["rank", "config_id"] + varied + ["metric", "epoch", "n", "diverged", "failed", "mean", "std",
                                                                    "ci95_low", "ci95_high", "min", "max"]))
        for (rank, row) in board.enumerated() {
            let config = plan.configurations[row.configuration]
            let values = config.parameterValues
            var fields = [String(rank + 1), SweepPlan.hex(plan.configurationIDs[row.configuration])]
            fields += varied.map { name in values.first { $0.name == name }!.value.description }
            fields += [plan.sweep.metric.rawValue, String(config.epochs), String(row.n), String(row.diverged), String(row.failed)]
            let described = row.statistics.map { describe($0, diverged: row.diverged, tCache: &tCache) }
            fields += described.map { [$0[2], $0[3], $0[5], $0[6], $0[7], $0[8]] } ?? ["", "", "", "", "", ""]
            leaderboard.write(CSV.row(fields))
        }
        try leaderboard.commit(to: leaderboardPath)
    }

    /// The leaderboard's order of configurations given each one's mean of the sweep's metric (nil
    /// where none completed): those with a value first, best first; ties and the rest in plan order.
    public static func leaderboardOrder(_ means: [Double?], goal: Sweep.Goal) -> [Int] {
        means.indices.sorted { a, b in
            switch (means[a], means[b]) {
            case let (x?, y?) where x != y && !x.isNaN && !y.isNaN: return goal == .maximize ? x > y : x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a < b
            }
        }
    }

    /// Calls `body` with the epoch, metric, lag and value fields of each per-epoch row (empty
    /// step) of metrics.csv rows. Most rows are per-window ones; they are passed over by looking
    /// at their bytes, without making strings of their fields.
    static func forEachEpochRow(_ bytes: UnsafeBufferPointer<UInt8>, _ body: ([Substring]) -> Void) {
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != newline { end += 1 }
            // Columns: trial_id, config_id, seed, epoch, step, metric, lag, value.
            var commas = 0, stepStart = start
            for i in start..<end where bytes[i] == comma {
                commas += 1
                if commas == 4 { stepStart = i + 1; break }
            }
            if commas == 4 && stepStart < end && bytes[stepStart] == comma {
                let line = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                if fields.count == 8 { body([fields[3], fields[5], fields[6], fields[7]]) }
            }
            start = end + 1
        }
    }

    /// n, diverged, mean, std, sem, ci95_low, ci95_high, min, max (empty where undefined).
    static func describe(_ s: RunningStatistics, diverged: Int, tCache: inout [Int: Double]) -> [String] {
        var fields = [String(s.count), String(diverged), MetricCSV.format(s.mean)]
        if let sd = s.standardDeviation, let sem = s.standardError {
            let t = tCache[s.count - 1] ?? StudentT.quantile(0.975, degreesOfFreedom: s.count - 1)
            tCache[s.count - 1] = t
            fields += [MetricCSV.format(sd), MetricCSV.format(sem), MetricCSV.format(s.mean - t * sem), MetricCSV.format(s.mean + t * sem)]
        } else {
            fields += ["", "", "", ""]
        }
        return fields + [MetricCSV.format(s.minimum), MetricCSV.format(s.maximum)]
    }
}
