import Foundation
import TrainingCore

/// The few lines a sweep command prints when it ends: counts and the top of the leaderboard.
public enum SweepSummary {
    /// A sweep's size in words: `48 trials (6 configurations × 8 seeds)`; for a bayes search its
    /// bound, `up to 256 trials (32 draws × 8 seeds, TPE)`.
    public static func size(_ plan: SweepPlan) -> String {
        let sweep = plan.sweep
        let cells = SweepPlan.trialCount(sweep) / max(1, sweep.seeds.count) / max(1, sweep.method == .grid ? plan.configurations.count : sweep.samples)
        let crossed = cells > 1 ? " × \(cells) \(sweep.gridOver.joined(separator: "/")) values" : ""
        let seeds = "\(sweep.seeds.count) seed\(sweep.seeds.count == 1 ? "" : "s")"
        switch sweep.method {
        case .grid, .random:
            return "\(plan.trials.count) trials (\(plan.configurations.count) configurations × \(seeds))"
        case .bayes:
            return "up to \(SweepPlan.trialCount(sweep)) trials (\(sweep.samples) draws\(crossed) × \(seeds), TPE)"
        case .race:
            let cap = sweep.runCap.map { "; at most \($0)" } ?? ""
            return "a race over up to \(SweepPlan.trialCount(sweep) / max(1, sweep.seeds.count)) configurations × \(seeds)\(cap)"
        }
    }

    public static func lines(_ counts: TrialCounts, folder: String, seconds: Double, top: Int = 5) -> [String] {
        var lines = ["\(counts.total) trials: \(counts.completed) completed, \(counts.diverged) diverged, \(counts.failed) failed, "
                     + (counts.pruned > 0 ? "\(counts.pruned) pruned, " : "") + "\(counts.pending) not run (\(Coordinator.duration(seconds)))"]
        lines += leaderboard(folder: folder, top: top)
        lines.append("results: \(folder)/")
        return lines
    }

    /// The first `top` rows of `leaderboard.csv`, aligned: rank, the parameters that vary (4
    /// significant digits), the mean with its 95% interval (clipped to the metric's range), and
    /// the trial counts; the title says how many of how many configurations are shown.
    public static func leaderboard(folder: String, top: Int) -> [String] {
        guard let text = try? FileSystem.readText(folder + "/leaderboard.csv") else { return [] }
        let records = CSV.records(Substring(text))
        // Rows as wide as the header (a hand-edited file may have blank or cut lines).
        let all = records.filter { $0.count == records.first?.count }
        guard let header = all.first, all.count > 1, let metricColumn = header.firstIndex(of: "metric"), metricColumn >= 2,
              ["epoch", "n", "diverged", "failed", "mean", "ci95_low", "ci95_high"].allSatisfy(header.contains),
              let metric = Metric(rawValue: all[1][metricColumn]) else { return [] }
        let rows = all.prefix(top + 1)
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        let varied = Array(2..<metricColumn)
        let range = metric.range
        var clipped = false
        var table = [["rank"] + varied.map { header[$0] } + ["mean", "95% CI", "n", "diverged", "failed"]]
        for row in rows.dropFirst() {
            var interval = ""
            if let low = Double(row[column("ci95_low")]), let high = Double(row[column("ci95_high")]) {
                clipped = clipped || low < range.lower || high > range.upper
                interval = "[\(SignificantDigits.format(max(low, range.lower), digits: 4)), \(SignificantDigits.format(min(high, range.upper), digits: 4))]"
            }
            table.append([row[0]] + varied.map { PrintableText.escaped(SignificantDigits.format(row[$0], digits: 4)) }
                         + [Double(row[column("mean")]).map { SignificantDigits.format($0, digits: 4) } ?? "", interval, row[column("n")],
                            row[column("diverged")], row[column("failed")]])
        }
        let shown = rows.count - 1, total = all.count - 1
        let title = "leaderboard (\(metric.rawValue) at epoch \(rows[1][column("epoch")])"
            + (shown < total ? "; top \(shown) of \(total) configurations, all in leaderboard.csv" : "") + "):"
        let note = clipped ? ["  (95% intervals clipped to the range of \(metric.rawValue), \(rangeText(range)))"] : []
        return [title] + TextTable.aligned(table) + note
    }

    static func rangeText(_ range: (lower: Double, upper: Double)) -> String {
        range.upper.isInfinite ? "≥ \(SignificantDigits.format(range.lower, digits: 4))" : "[\(SignificantDigits.format(range.lower, digits: 4)), \(SignificantDigits.format(range.upper, digits: 4))]"
    }
}
