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

    /// The first `top` rows of `leaderboard.csv`, aligned: rank, the parameters that vary, the
    /// mean with its 95% interval, and the trial counts.
    public static func leaderboard(folder: String, top: Int) -> [String] {
        guard let text = try? FileSystem.readText(folder + "/leaderboard.csv") else { return [] }
        let rows = text.split(separator: "\n").prefix(top + 1).map { CSV.split($0) }
        guard let header = rows.first, rows.count > 1, let metricColumn = header.firstIndex(of: "metric") else { return [] }
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        let varied = Array(2..<metricColumn)
        var table = [["rank"] + varied.map { header[$0] } + ["mean", "95% CI", "n", "diverged", "failed"]]
        for row in rows.dropFirst() {
            let interval = row[column("ci95_low")].isEmpty ? "" : "[\(shorten(row[column("ci95_low")])), \(shorten(row[column("ci95_high")]))]"
            table.append([row[0]] + varied.map { row[$0] } + [shorten(row[column("mean")]), interval, row[column("n")],
                                                            row[column("diverged")], row[column("failed")]])
        }
        let widths = table[0].indices.map { i in table.map { $0[i].count }.max()! }
        let title = "leaderboard (\(rows[1][metricColumn]) at epoch \(rows[1][column("epoch")])):"
        return [title] + table.map { row in
            "  " + zip(row, widths).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
    }

    /// Long numbers cut to 6 significant digits for display.
    static func shorten(_ text: String) -> String {
        guard text.count > 8, let value = Double(text) else { return text }
        return String(format: "%.6g", value)
    }
}
