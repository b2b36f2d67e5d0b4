import Foundation
import Glibc
import TrainingCore

/// The output folder of a sweep, written so that nothing is lost or counted twice:
///
///     sweep.yaml        the resolved sweep (written once; a different sweep is refused)
///     journal.log       append-only: every finished trial (see `Journal`)
///     trials/XY/ID.csv  the metric rows of each completed trial, XY its id's first two digits
///     metrics.csv, trials.csv, summary.csv, leaderboard.csv   derived (see `ResultFiles`)
///
/// A running attempt streams its rows to `trials/XY/ID.attempt-N.partial` as they arrive. Finished
/// trials are committed in groups (`commit`): the filesystem is synced so the partial files are
/// durable, they are renamed to `ID.csv`, synced again, and only then are the trials journaled
/// (one write and fsync for the group). So a trial's rows are either complete or absent, whatever
/// crashes when, the journal is the authority on which trials are done, and the cost of
/// durability is a few syncs per group rather than per trial.
public final class ResultStore {
    public let folder: String
    public let plan: SweepPlan
    /// The journal, when the store is open for writing.
    let journal: Journal?
    /// Trials the journal has as finished (done or failed), by plan index.
    public private(set) var finished: [Int: Journal.Entry] = [:]
    /// Open partial files of running attempts, by plan index.
    private var partials: [Int: (attempt: Int, fd: Int32, path: String)] = [:]
    /// Finished trials waiting for `commit`: completed ones with their partial file, failed ones without.
    private var uncommitted: [(index: Int, partial: String?, entry: Journal.Entry)] = []
    /// The index of each trial id in the plan.
    let indexOfTrial: [UInt64: Int]

    public static let metricsHeader = "trial_id,config_id,seed,epoch,step,metric,lag,value"

    /// Opens `folder` for `plan`: creates it and `sweep.yaml`, or checks that the folder holds this
    /// very sweep (refused otherwise, unless `force`, which starts the folder afresh). Previous
    /// finished trials are kept; stale partial files are removed. With `readOnly`, nothing is
    /// created or changed (for summarising a folder, perhaps while its sweep still runs).
    public init(folder: String, plan: SweepPlan, force: Bool = false, readOnly: Bool = false) throws {
        self.folder = folder
        self.plan = plan
        indexOfTrial = Dictionary(uniqueKeysWithValues: plan.trials.enumerated().map { ($1.id, $0) })
        let sweepFile = folder + "/sweep.yaml"
        let entries: [Journal.Entry]
        if readOnly {
            journal = nil
            entries = try Journal.read(folder: folder, sweepID: plan.sweepID).entries
        } else {
            try Self.prepareFolder(folder)
            if FileSystem.exists(sweepFile) {
                let existing = try? ResolvedSweep.sweepID(ofFile: sweepFile)
                if existing != plan.sweepID {
                    guard force else {
                        throw InputError(folder, "holds the results of another sweep (\(existing.map { "\($0.prefix(12))…" } ?? "unreadable sweep.yaml")); choose another --out or add --force to start it afresh")
                    }
                    try Self.clear(folder)
                }
            }
            if !FileSystem.exists(sweepFile) {
                try FileSystem.writeAtomically(ResolvedSweep.yaml(plan), to: sweepFile)
            }
            (journal, entries) = try Journal.open(folder: folder, sweepID: plan.sweepID)
        }
        for entry in entries {
            guard let index = indexOfTrial[entry.trial] else { continue }
            // A done trial counts only with its metric file; a later failure of a re-run cannot undo a done.
            if entry.kind == .done && !FileSystem.exists(metricsPath(index)) { continue }
            if finished[index]?.kind == .done && entry.kind == .failed { continue }
            finished[index] = entry
        }
        if !readOnly { try removePartials() }
    }

    /// Creates `folder` (and its parents) if needed, and checks it can be written.
    static func prepareFolder(_ folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            var path = folder
            while !FileSystem.exists(path) && path != "." && path != "/" { path = FileSystem.directory(of: path) }
            throw SystemError("create", path: folder, errno: FileSystem.isDirectory(path) ? EACCES : ENOTDIR)
        }
        guard FileSystem.isDirectory(folder) else { throw SystemError("use as a folder", path: folder, errno: ENOTDIR) }
        guard access(folder, W_OK) == 0 else { throw SystemError("write into", path: folder, errno: errno) }
    }

    /// Removes what a sweep writes into `folder` (for --force), nothing else.
    static func clear(_ folder: String) throws {
        for name in ["sweep.yaml", Journal.fileName, "metrics.csv", "trials.csv", "summary.csv", "leaderboard.csv", "trials"] {
            let path = folder + "/" + name
            if FileSystem.exists(path) { try FileManager.default.removeItem(atPath: path) }
        }
    }

    public func isComplete(_ index: Int) -> Bool { finished[index]?.kind == .done }

    /// Where a completed trial's rows live.
    public func metricsPath(_ index: Int) -> String {
        let id = SweepPlan.hex(plan.trials[index].id)
        return "\(folder)/trials/\(id.prefix(2))/\(id).csv"
    }

    /// Starts streaming the rows of an attempt, replacing any earlier attempt's partial file.
    public func startAttempt(_ index: Int, attempt: Int) throws {
        abandonAttempt(index)
        let final = metricsPath(index)
        let directory = FileSystem.directory(of: final)
        if !FileSystem.isDirectory(directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let path = final.replacingOccurrences(of: ".csv", with: ".attempt-\(attempt).partial")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("write", path: path, errno: errno) }
        partials[index] = (attempt, fd, path)
    }

    /// Appends records of the running attempt as metric rows.
    public func appendMetrics(_ index: Int, attempt: Int, records: [MetricRecord]) throws {
        guard let partial = partials[index], partial.attempt == attempt else { return }
        let trial = plan.trials[index]
        let prefix = "\(SweepPlan.hex(trial.id)),\(SweepPlan.hex(plan.configurationIDs[Int(trial.configuration)])),\(trial.seed),"
        var text = ""
        text.reserveCapacity(records.count * 80)
        for record in records { text += prefix + MetricCSV.fields(record) + "\n" }
        try Self.writeAll(partial.fd, text, path: partial.path)
    }

    /// Marks the attempt as the trial's result; it is made durable and journaled by `commit`.
    public func completeAttempt(_ index: Int, entry: Journal.Entry) {
        guard let partial = partials.removeValue(forKey: index), partial.attempt == entry.attempt else { return }
        close(partial.fd)
        uncommitted.append((index, partial.path, entry))
    }

    /// Marks a trial as failed for good (its partial rows are dropped); journaled by `commit`.
    public func recordFailure(_ index: Int, entry: Journal.Entry) {
        abandonAttempt(index)
        uncommitted.append((index, nil, entry))
    }

    /// Whether finished trials wait for `commit`.
    public var hasUncommitted: Bool { !uncommitted.isEmpty }

    /// Makes every finished trial since the last commit durable: sync the partial files, rename
    /// them into place, sync the renames, then journal the group with one write and fsync.
    public func commit() throws {
        guard !uncommitted.isEmpty else { return }
        let completions = uncommitted.filter { $0.partial != nil }
        if !completions.isEmpty {
            try journal!.syncFilesystem()
            for completion in completions {
                let final = metricsPath(completion.index)
                guard rename(completion.partial!, final) == 0 else { throw SystemError("rename into", path: final, errno: errno) }
            }
            try journal!.syncFilesystem()
        }
        try journal!.append(uncommitted.map(\.entry))
        for item in uncommitted { finished[item.index] = item.entry }
        uncommitted.removeAll(keepingCapacity: true)
    }

    /// Drops the running attempt's partial rows (the worker died, or the attempt was cancelled).
    public func abandonAttempt(_ index: Int) {
        guard let partial = partials.removeValue(forKey: index) else { return }
        close(partial.fd)
        unlink(partial.path)
    }

    /// Drops every partial file, open or left over from a crash.
    func removePartials() throws {
        for index in Array(partials.keys) { abandonAttempt(index) }
        let trials = folder + "/trials"
        guard let shards = try? FileManager.default.contentsOfDirectory(atPath: trials) else { return }
        for shard in shards {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(trials)/\(shard)")) ?? [] where name.hasSuffix(".partial") {
                unlink("\(trials)/\(shard)/\(name)")
            }
        }
    }

    static func writeAll(_ fd: Int32, _ text: String, path: String) throws {
        var text = text
        try text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SystemError("write", path: path, errno: errno)
                }
                offset += n
            }
        }
    }
}
