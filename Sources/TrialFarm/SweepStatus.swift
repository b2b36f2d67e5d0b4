import TrainingCore

/// What `depthfarm status` says of an output folder, from the folder alone: how many trials
/// stand where, the best configurations so far, and what running the sweep again would run.
public enum SweepStatus {
    /// The lines about the folder's results (the running coordinator's own view, if any, is
    /// added by the caller).
    public static func lines(_ store: ResultStore, running: Bool, top: Int = 5) throws -> [String] {
        let plan = store.plan
        let counts = store.counts
        var lines = ["sweep \(plan.sweep.name): \(SweepSummary.size(plan))" + (running ? "; running" : counts.pending == 0 ? "; finished" : "; not running")]
        lines.append("\(counts.total) trials: \(counts.completed) completed, \(counts.diverged) diverged, "
                     + (counts.pruned > 0 ? "\(counts.pruned) pruned, " : "") + "\(counts.failed) failed, \(counts.pending) not finished")
        var standings = try self.standings(store)
        let ranked = standings.ranked()
        if !ranked.isEmpty {
            var table = [["rank", plan.sweep.aggregate == .mean ? plan.sweep.metric.rawValue : "\(plan.sweep.metric.rawValue) (\(plan.sweep.aggregate.rawValue))",
                          "95% CI", "n", "configuration"]]
            for (rank, standing) in ranked.prefix(top).enumerated() {
                table.append([String(rank + 1), SignificantDigits.format(standing.score, digits: 4),
                              standing.interval.map { "[\(SignificantDigits.format($0.low, digits: 4)), \(SignificantDigits.format($0.high, digits: 4))]" } ?? "",
                              String(standing.count), configurationText(plan, standing.configuration)])
            }
            lines.append("best so far (\(plan.sweep.metric.rawValue) at the last epoch"
                         + (ranked.count > top ? "; top \(top) of \(ranked.count) configurations" : "") + "):")
            lines += TextTable.aligned(table)
        }
        lines += resumeLines(store, counts: counts, running: running)
        return lines
    }

    /// The best configurations among the folder's completed trials.
    static func standings(_ store: ResultStore) throws -> Standings {
        let plan = store.plan
        var standings = Standings(sweep: plan.sweep)
        for index in plan.trials.indices where store.status(index) == .completed {
            let configuration = Int(plan.trials[index].configuration), epochs = plan.configurations[configuration].epochs
            var final: Double?
            try store.forEachRecord(of: index, perEpochOnly: true) { record in
                if record.metric == plan.sweep.metric && record.lag == nil && record.epoch == epochs { final = record.value }
            }
            if let final { standings.add(configuration: configuration, final: final) }
        }
        return standings
    }

    /// What running the sweep again would do: the trials not finished (failed ones are tried
    /// again), those resuming from a checkpoint, and a search's further draws.
    static func resumeLines(_ store: ResultStore, counts: TrialCounts, running: Bool) -> [String] {
        let plan = store.plan
        let unfinished = plan.trials.indices.filter { !store.isComplete($0) && store.status($0) != .pruned }
        let fromCheckpoint = unfinished.count { store.checkpointEpoch($0) != nil }
        let more = SweepPlan.trialCount(plan.sweep) - plan.trials.count
        var parts: [String] = []
        if !unfinished.isEmpty {
            parts.append("\(unfinished.count) trial\(unfinished.count == 1 ? "" : "s")" + (counts.failed > 0 ? " (\(counts.failed) failed before)" : "")
                         + (fromCheckpoint > 0 ? ", \(fromCheckpoint) of them from a checkpoint" : ""))
        }
        if more > 0 && plan.sweep.method != .grid && plan.sweep.method != .random {
            parts.append("up to \(more) more the search may add")
        }
        guard !parts.isEmpty else { return [running ? "every trial is handed out or finished" : "nothing is left to run"] }
        return [(running ? "left to run: " : "running the sweep again into this folder would run ") + parts.joined(separator: ", and ")]
    }

    static func configurationText(_ plan: SweepPlan, _ configuration: Int) -> String {
        let config = plan.configurations[configuration]
        return plan.variedParameters.map { "\($0)=\(SignificantDigits.format(config.value(of: $0)!.description, digits: 4))" }.joined(separator: " ")
    }
}
