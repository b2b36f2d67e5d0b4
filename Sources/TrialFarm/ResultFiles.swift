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
/// - `summary-windows.csv`: the same per configuration, window (step), metric and lag, for the
///   per-window records (the per-lag cosines and moments of BPTD, the window losses).
/// - `leaderboard.csv`: configurations ranked by the sweep's metric at their last epoch.
public enum ResultFiles {
    public static func writeAll(_ store: ResultStore) throws {
        try writeMetrics(store)
        try writeTrials(store)
        try writeSummaries(store)
        try writeWindowSummaries(store)
        try writeDecisions(store)
    }

    // MARK: decisions.csv

    /// `decisions.csv`, for searches that decide on configurations (a race, early stopping): one
    /// row per decision — the configuration, its varied parameters, what happened (eliminated,
    /// pruned, survived), after how many seeds or at which epoch, by which test, with its p-value.
    static func writeDecisions(_ store: ResultStore) throws {
        let plan = store.plan
        guard plan.sweep.method == .race || plan.sweep.earlyTerminate != nil else { return }
        let path = store.folder + "/decisions.csv"
        let varied = plan.variedParameters
        let file = try BufferedFile(temporaryFor: path)
        file.write(CSV.row(["config_id"] + varied + ["event", "seeds", "epoch", "test", "p_value"]))
        let index = Dictionary(plan.configurationIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for decision in store.decisions {
            guard let configuration = index[decision.configuration] else { continue }
            let config = plan.configurations[configuration]
            file.write(CSV.row([SweepPlan.hex(decision.configuration)] + varied.map { config.value(of: $0)!.description }
                               + [decision.event.rawValue, decision.seeds.map(String.init) ?? "", decision.epoch.map(String.init) ?? "",
                                  decision.test, decision.pValue.map(MetricCSV.format) ?? ""]))
        }
        try file.commit(to: path)
    }

    // MARK: metrics.csv

    /// `metrics.csv`: a second name of `completed.csv` when that is in plan order (a finished
    /// run's, `ResultStore.compactRows`), so that the rows are on disk once; a file of its own otherwise.
    static func writeMetrics(_ store: ResultStore) throws {
        if try store.linkMetrics() { return }
        let path = store.folder + "/metrics.csv"
        let file = try BufferedFile(temporaryFor: path)
        file.write(ResultStore.metricsHeader + "\n")
        try file.flush()
        for index in store.plan.trials.indices where store.isComplete(index) {
            try store.forEachRowPiece(of: index) { file.write(UnsafeRawBufferPointer($0)) }
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
        // The parameter columns of the last configuration, as CSV (trials come configuration by
        // configuration, and these are two thirds of a row's fields).
        var cached: (configuration: Int32, columns: String)?
        for (index, trial) in store.plan.trials.enumerated() {
            var fields = [SweepPlan.hex(trial.id), SweepPlan.hex(store.plan.configurationIDs[Int(trial.configuration)]), String(trial.seed),
                          store.status(index).rawValue]
            if let entry = store.finished[index] {
                let outcome = entry.outcome
                fields += [String(entry.attempt), String(entry.failures), entry.host, UTCTimestamp.text(entry.started),
                           UTCTimestamp.text(entry.finished), MetricCSV.format(entry.finished - entry.started),
                           outcome?.divergedStep.map(String.init) ?? "", outcome.map { String($0.steps) } ?? "",
                           outcome.map { String($0.epochsCompleted) } ?? ""]
                fields += [outcome?.trainLoss, outcome?.trainAccuracy, outcome?.testLoss, outcome?.testAccuracy].map { $0.map(MetricCSV.format) ?? "" }
                fields.append(entry.error ?? "")
            } else {
                fields += [String](repeating: "", count: trialColumns.count - 4)
            }
            if cached?.configuration != trial.configuration {
                let config = store.plan.configurations[Int(trial.configuration)]
                cached = (trial.configuration, "," + CSV.row(parameters.map { config.value(of: $0)!.description }))
            }
            file.write(CSV.line(fields))
            file.write(cached!.columns)
        }
        try file.commit(to: path)
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
        let summaryPath = store.folder + "/summary.csv"
        let summary = try BufferedFile(temporaryFor: summaryPath)
        // A sweep that prunes counts its pruned trials apart, as it does the diverged ones.
        let pruning = plan.sweep.earlyTerminate != nil
        summary.write(CSV.row(["config_id"] + varied + ["epoch", "metric", "lag"] + summaryStatistics + (pruning ? ["pruned"] : [])))
        let metricIndex = Dictionary(uniqueKeysWithValues: Metric.allCases.enumerated().map { ($1, $0) })
        let counts = store.countsByConfiguration()
        let rankKey = { (config: TrialConfig) in Key(epoch: config.epochs, metric: metricIndex[plan.sweep.metric]!, lag: -1) }
        var ranked: [RunningStatistics?] = []
        /// The sweep's metric at the last epoch of each completed trial, by trial index (for the
        /// score and the paired differences).
        var finals: [Int: Double] = [:]
        // One configuration at a time: its trials' per-epoch rows, then its lines.
        for (configuration, trials) in plan.trialsByConfiguration().enumerated() {
            var statistics: [Key: RunningStatistics] = [:]
            let config = plan.configurations[configuration]
            for index in trials where store.status(index) == .completed {
                try store.forEachRecord(of: index, perEpochOnly: true) { record in
                    let key = Key(epoch: record.epoch, metric: metricIndex[record.metric]!, lag: record.lag ?? -1)
                    statistics[key, default: RunningStatistics()].add(record.value)
                    if key == rankKey(config) { finals[index] = record.value }
                }
            }
            let prefix = [SweepPlan.hex(plan.configurationIDs[configuration])] + varied.map { config.value(of: $0)!.description }
            for key in statistics.keys.sorted() {
                let metric = Metric.allCases[key.metric]
                summary.write(CSV.row(prefix + [String(key.epoch), metric.rawValue, key.lag < 0 ? "" : String(key.lag)]
                                      + describe(statistics[key]!, diverged: counts[configuration].diverged)
                                      + (pruning ? [String(counts[configuration].pruned)] : [])))
            }
            try summary.flush()
            ranked.append(statistics[rankKey(config)])
        }
        try summary.commit(to: summaryPath)
        try writeLeaderboard(store, ranked: ranked, finals: finals, counts: counts)
    }

    /// `summary-windows.csv`: as `summary.csv`, for the records made every `metrics_every`
    /// windows. The seeds of a configuration are read side by side, one window at a time, so
    /// memory holds one window's records per seed whatever the trials' sizes; rows come window
    /// by window in the order the trials recorded them.
    static func writeWindowSummaries(_ store: ResultStore) throws {
        let plan = store.plan
        let varied = plan.variedParameters
        let path = store.folder + "/summary-windows.csv"
        let file = try BufferedFile(temporaryFor: path)
        let pruning = plan.sweep.earlyTerminate != nil
        file.write(CSV.row(["config_id"] + varied + ["epoch", "step", "metric", "lag"] + summaryStatistics + (pruning ? ["pruned"] : [])))
        let counts = store.countsByConfiguration()
        // This window's records across the seeds, by (metric, lag) in the order first seen (kept
        // from window to window, emptied, to reuse their storage).
        var order: [WindowRecordKey] = [], statistics: [WindowRecordKey: (epoch: Int, values: RunningStatistics)] = [:]
        for (configuration, trials) in plan.trialsByConfiguration().enumerated() {
            let config = plan.configurations[configuration]
            // Rows are written in parts: the configuration's fields once as CSV, then numbers and
            // metric names, which never need quotes.
            let prefix = CSV.line([SweepPlan.hex(plan.configurationIDs[configuration])] + varied.map { config.value(of: $0)!.description }) + ","
            let suffix = pruning ? ",\(counts[configuration].pruned)\n" : "\n"
            var readers = trials.filter { store.status($0) == .completed }.map { store.records(of: $0) }
            while let step = try nextWindow(&readers) {
                order.removeAll(keepingCapacity: true)
                statistics.removeAll(keepingCapacity: true)
                for r in readers.indices {
                    while let record = try readers[r].peek(), record.step == step {
                        _ = try readers[r].next()
                        let key = WindowRecordKey(metric: record.metric, lag: record.lag)
                        if statistics[key] == nil { order.append(key) }
                        statistics[key, default: (record.epoch, RunningStatistics())].values.add(record.value)
                    }
                }
                for key in order {
                    let (epoch, values) = statistics[key]!
                    file.write(prefix)
                    file.write("\(epoch),\(step),\(key.metric.rawValue),\(key.lag.map(String.init) ?? ""),")
                    file.write(describe(values, diverged: counts[configuration].diverged).joined(separator: ","))
                    file.write(suffix)
                }
            }
            try file.flush()
        }
        try file.commit(to: path)
    }

    struct WindowRecordKey: Hashable {
        let metric: Metric
        let lag: Int?
    }

    /// Skips each reader past its per-epoch records; the smallest step any reader is at next
    /// (nil when all are done).
    static func nextWindow(_ readers: inout [ResultStore.RecordReader]) throws -> Int? {
        var smallest: Int?
        for r in readers.indices {
            while let record = try readers[r].peek(), record.step == nil { _ = try readers[r].next() }
            if let step = try readers[r].peek()?.step { smallest = min(smallest ?? step, step) }
        }
        return smallest
    }

    /// `leaderboard.csv`: configurations ranked by the sweep's metric at their last epoch — by its
    /// `metric.aggregate` across seeds (a `score` column when that is not the mean) — and, with
    /// `grid_over`, each configuration's paired difference from its draw's first cell, seed by seed.
    static func writeLeaderboard(_ store: ResultStore, ranked: [RunningStatistics?], finals: [Int: Double], counts: [TrialCounts]) throws {
        let plan = store.plan, sweep = plan.sweep
        let varied = plan.variedParameters
        let path = store.folder + "/leaderboard.csv"
        let groups = plan.trialsByConfiguration()
        let scored = sweep.aggregate != .mean
        let paired = !sweep.gridOver.isEmpty
        let pruning = sweep.earlyTerminate != nil
        let scores: [Double?] = groups.map { trials in
            scored ? SeedStatistic.aggregate(trials.compactMap { finals[$0] }, sweep.aggregate, goal: sweep.goal) : nil
        }
        let differences = paired ? pairedDifferences(plan, groups: groups, finals: finals) : []
        let leaderboard = try BufferedFile(temporaryFor: path)
        leaderboard.write(CSV.row(["rank", "config_id"] + varied + ["metric", "epoch", "n", "diverged", "failed"] + (pruning ? ["pruned"] : [])
                                  + ["mean", "std", "sem", "ci95_low", "ci95_high", "min", "max"]
                                  + (scored ? ["score"] : []) + (paired ? ["draw", "paired_n", "paired_diff", "paired_ci95_low", "paired_ci95_high"] : [])))
        let order = leaderboardOrder(scored ? scores : ranked.map { $0?.mean }, goal: sweep.goal)
        for (rank, configuration) in order.enumerated() {
            let config = plan.configurations[configuration]
            let count = counts[configuration]
            var fields = [String(rank + 1), SweepPlan.hex(plan.configurationIDs[configuration])]
            fields += varied.map { config.value(of: $0)!.description }
            fields += [sweep.metric.rawValue, String(config.epochs), String(count.completed), String(count.diverged), String(count.failed)]
                + (pruning ? [String(count.pruned)] : [])
            let described = ranked[configuration].map { describe($0, diverged: count.diverged) }
            fields += described.map { Array($0[2...]) } ?? [String](repeating: "", count: 7)
            if scored { fields.append(scores[configuration].map(MetricCSV.format) ?? "") }
            if paired {
                fields.append(String(plan.draws[configuration]))
                if let difference = differences[configuration] {
                    let interval = difference.confidenceInterval95
                    fields += [String(difference.count), MetricCSV.format(difference.mean),
                               interval.map { MetricCSV.format($0.low) } ?? "", interval.map { MetricCSV.format($0.high) } ?? ""]
                } else {
                    fields += ["", "", "", ""]
                }
            }
            leaderboard.write(CSV.row(fields))
        }
        try leaderboard.commit(to: path)
    }

    /// For each configuration of a draw other than its first cell: the differences of the sweep's
    /// final metric from the first cell's, seed by seed (seeds where both completed).
    static func pairedDifferences(_ plan: SweepPlan, groups: [[Int]], finals: [Int: Double]) -> [RunningStatistics?] {
        var reference: [Int: Int] = [:]  // draw → its first cell's configuration
        for configuration in plan.configurations.indices where plan.cells[configuration] == 0 {
            reference[plan.draws[configuration]] = configuration
        }
        return plan.configurations.indices.map { configuration in
            guard plan.cells[configuration] != 0, let base = reference[plan.draws[configuration]] else { return nil }
            let baseBySeed = Dictionary(groups[base].map { (plan.trials[$0].seed, $0) }, uniquingKeysWith: { a, _ in a })
            var difference = RunningStatistics()
            for trial in groups[configuration] {
                guard let value = finals[trial], let other = baseBySeed[plan.trials[trial].seed], let base = finals[other] else { continue }
                difference.add(value - base)
            }
            return difference.count > 0 ? difference : nil
        }
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

    /// n, diverged, mean, std, sem, ci95_low, ci95_high, min, max (empty where undefined).
    static func describe(_ s: RunningStatistics, diverged: Int) -> [String] {
        var fields = [String(s.count), String(diverged), MetricCSV.format(s.mean)]
        if let sd = s.standardDeviation, let sem = s.standardError, let interval = s.confidenceInterval95 {
            fields += [MetricCSV.format(sd), MetricCSV.format(sem), MetricCSV.format(interval.low), MetricCSV.format(interval.high)]
        } else {
            fields += ["", "", "", ""]
        }
        return fields + [MetricCSV.format(s.minimum), MetricCSV.format(s.maximum)]
    }
}
