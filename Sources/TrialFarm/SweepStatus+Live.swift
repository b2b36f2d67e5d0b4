import Foundation
import Glibc

extension SweepStatus {
    /// What `depthfarm status` adds while a coordinator runs, from its `coordinator.status`: how
    /// fresh that is, the rate, and each worker with its last heartbeat and the trial it runs
    /// (index, configuration, epoch reached, the sweep metric's latest value). `now` is Unix time.
    public static func liveLines(_ status: LiveStatus, now: Double) -> [String] {
        let age = max(0, now - status.updated)
        var lines = ["coordinator \(status.pid), as of \(String(format: "%.1f", age)) s ago: \(status.counts.running) running, "
                     + "\(Coordinator.duration(now - status.started)) since it started, \(formatRate(status.trialsPerSecond)) trials/s"]
        if age > staleAfter {
            lines.append("warning: \(LiveStatus.fileName) was last written \(Coordinator.duration(age)) ago (every 2 s while the coordinator runs): it may be busy or stuck")
        }
        guard !status.workers.isEmpty else { return lines + ["no workers connected"] }
        lines.append("workers (\(status.workers.count)):")
        let trials = Dictionary(status.trials.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        var table = [["worker", "last heartbeat", "trial", "epoch", status.metric, "configuration"]]
        for worker in status.workers {
            let heard = "\(String(format: "%.1f", LiveStatus.age(worker, now: now))) s ago"
            guard let index = worker.trials.first else {
                table.append([worker.name, heard, "", "", "", ""])
                continue
            }
            let trial = trials[index]
            table.append([worker.name, heard, String(index), trial.map { "\($0.epochReached)/\($0.epochs)" } ?? "",
                          trial?.latestValue.map { SignificantDigits.format($0, digits: 4) } ?? "", trial?.configuration ?? ""])
        }
        return lines + TextTable.aligned(table)
    }

    /// A coordinator writes its status every 2 s; one older than this is said to be stale.
    public static let staleAfter = 10.0

    /// The snapshot of the coordinator running on `folder`, if one runs (the journal is locked)
    /// and its `coordinator.status` names a process that is alive; nil otherwise (a file left by a
    /// coordinator that was killed is not believed).
    public static func liveStatus(folder: String, running: Bool) -> LiveStatus? {
        guard running, let status = LiveStatus.read(folder: folder) else { return nil }
        guard kill(status.pid, 0) == 0 || errno == EPERM else { return nil }
        return status
    }

    static func formatRate(_ rate: Double) -> String {
        rate >= 100 ? String(Int(rate.rounded())) : String(format: "%.1f", rate)
    }
}
