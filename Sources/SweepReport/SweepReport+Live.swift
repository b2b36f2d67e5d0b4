import Foundation
import TrialFarm

extension SweepReport {
    /// The live page's own section (`--dashboard`): how the sweep stands this second, its workers
    /// with their last heartbeat, and a table of trials — index, configuration, seed, status,
    /// worker, epoch reached and the sweep metric's latest value. `now` is Unix time.
    public static func liveSection(_ status: LiveStatus, now: Double) -> String {
        let counts = status.counts
        let waiting = counts.pending - counts.running
        var parts = ["\(counts.finished) of \(counts.total) trials finished (\(counts.completed) completed, \(counts.diverged) diverged, "
                     + (counts.pruned > 0 ? "\(counts.pruned) pruned, " : "") + "\(counts.failed) failed)",
                     "\(counts.running) running", "\(waiting) waiting",
                     "\(rate(status.trialsPerSecond)) trials/s", "\(status.workers.count) worker\(status.workers.count == 1 ? "" : "s")"]
        parts.append("running for \(Coordinator.duration(now - status.started))")
        var page = "<section id=\"trials\">\n<h2>Trials</h2>\n<p class=\"live\" id=\"live-state\">Live: \(HTML.escape(parts.joined(separator: "; "))).</p>\n"
        if !status.workers.isEmpty {
            page += "<table class=\"board\" id=\"workers\">\n<tr><th>worker</th><th>last heartbeat</th><th>running</th><th>waiting</th></tr>\n"
            for worker in status.workers {
                let age = LiveStatus.age(worker, now: now)
                page += "<tr><td>\(HTML.escape(worker.name))</td><td>\(age < 10 ? String(format: "%.1f", age) : String(Int(age))) s ago</td>"
                    + "<td>\(worker.trials.first.map(String.init) ?? "")</td><td>\(worker.trials.dropFirst().map(String.init).joined(separator: ", "))</td></tr>\n"
            }
            page += "</table>\n"
        }
        if status.trials.count < counts.total {
            page += "<p class=\"cut\">The \(status.trials.count) trials held by workers or finished last, of \(counts.total).</p>\n"
        }
        page += "<table class=\"board\" id=\"trial-table\">\n<tr><th>trial</th><th>configuration</th><th>seed</th><th>status</th><th>worker</th>"
            + "<th>epoch</th><th>\(HTML.escape(status.metric))</th></tr>\n"
        for trial in status.trials {
            let cells = [String(trial.index), trial.configuration, String(trial.seed), trial.status, trial.worker ?? "",
                         "\(trial.epochReached)/\(trial.epochs)", trial.latestValue.map { SignificantDigits.format($0, digits: 4) } ?? ""]
            page += "<tr class=\"\(HTML.escape(trial.status))\" data-index=\"\(trial.index)\" data-status=\"\(HTML.escape(trial.status))\" title=\"trial \(trial.id)\">"
                + cells.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>\n"
        }
        return page + "</table>\n</section>\n"
    }

    /// 0.4, 12.5, 340.
    static func rate(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }
}
