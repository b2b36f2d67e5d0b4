import Glibc
import TrainingCore

/// The output folder of a sweep, written so that nothing is lost or counted twice:
///
///     sweep.yaml      the resolved sweep (written once; a different sweep is refused)
///     journal.log     append-only: every finished trial (see `Journal`)
///     completed.csv   append-only: the metric rows of every completed trial, each trial's rows
///                     together, where the journal says
///     spool/          scratch files of the running attempts (removed when the coordinator ends)
///     metrics.csv, trials.csv, summary.csv, leaderboard.csv   derived (see `ResultFiles`)
///
/// A running attempt streams its rows to a spool file as they arrive; the spool files are reused
/// from attempt to attempt, so a trial creates no file. When an attempt completes, its rows are
/// appended to `completed.csv` as one block; finished trials are committed in groups (`commit`):
/// `completed.csv` is synced, then the group is journaled with one write and fsync. So a trial's
/// rows are recorded once, completely, or not at all, whatever crashes when; the journal is the
/// authority on which trials are done (rows it does not reference are cut off on reopening); and
/// durability costs two syncs per group rather than file creations and syncs per trial.
///
/// Reading it back — trial by trial, with its status and its rows — is `ResultStore+Reading`.
public final class ResultStore {
    public let folder: String
    public let plan: SweepPlan
    /// The journal, when the store is open for writing.
    let journal: Journal?
    /// `completed.csv`, open for appending (writing) or reading.
    let completed: Int32
    /// Its length: where the next block of rows goes.
    private var completedLength: Int
    /// What the journal has for each trial of the plan (done or failed), by plan index.
    public private(set) var finished: [Journal.Entry?]
    /// Spool files of running attempts, by plan index.
    private var running: [Int: (attempt: Int, spool: Spool)] = [:]
    /// Spool files not in use.
    private var freeSpools: [Spool] = []
    private var spoolCount = 0
    /// Finished trials waiting for `commit`.
    private var uncommitted: [(index: Int, entry: Journal.Entry)] = []
    /// The index of each trial id in the plan.
    let indexOfTrial: [UInt64: Int]

    public static let metricsHeader = "trial_id,config_id,seed,epoch,step,metric,lag,value"
    static let completedName = "completed.csv"
    var completedPath: String { folder + "/" + Self.completedName }

    /// A scratch file for one running attempt's rows.
    final class Spool {
        let fd: Int32
        let path: String
        var length = 0
        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }
        deinit { close(fd) }
    }

    /// What went wrong opening a folder for a sweep.
    public enum OpenError: Error, CustomStringConvertible, Equatable {
        /// The folder holds the results of another sweep (its id, or nil if unreadable).
        case anotherSweep(folder: String, found: String?)

        public var description: String {
            switch self {
            case .anotherSweep(let folder, let found):
                "\(folder): holds the results of another sweep (\(found.map { "\($0.prefix(12))…" } ?? "unreadable sweep.yaml"))"
            }
        }
    }

    /// Opens `folder` for `plan`: creates it and `sweep.yaml`, or checks that the folder holds this
    /// very sweep (refused otherwise, unless `force`, which starts the folder afresh). Previous
    /// finished trials are kept. With `readOnly`, nothing is created or changed (for summarising
    /// a folder, perhaps while its sweep still runs).
    public init(folder: String, plan: SweepPlan, force: Bool = false, readOnly: Bool = false) throws {
        self.folder = folder
        self.plan = plan
        indexOfTrial = Dictionary(uniqueKeysWithValues: plan.trials.enumerated().map { ($1.id, $0) })
        finished = [Journal.Entry?](repeating: nil, count: plan.trials.count)
        let sweepFile = folder + "/sweep.yaml", completedPath = folder + "/" + Self.completedName
        let entries: [Journal.Entry]
        if readOnly {
            journal = nil
            entries = try Journal.read(folder: folder, sweepID: plan.sweepID).entries
            completed = open(completedPath, O_RDONLY | O_CLOEXEC)
            completedLength = 0
        } else {
            try Self.prepareFolder(folder)
            if FileSystem.exists(sweepFile) {
                let existing = try? ResolvedSweep.sweepID(ofFile: sweepFile)
                if existing != plan.sweepID {
                    guard force else { throw OpenError.anotherSweep(folder: folder, found: existing) }
                    try Self.clear(folder)
                }
            }
            if !FileSystem.exists(sweepFile) {
                try FileSystem.writeAtomically(ResolvedSweep.yaml(plan), to: sweepFile)
            }
            (journal, entries) = try Journal.open(folder: folder, sweepID: plan.sweepID)
            completed = open(completedPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard completed >= 0 else { throw SystemError("write", path: completedPath, errno: errno) }
            // Rows written after the last journaled group belong to no trial: cut them off.
            completedLength = entries.compactMap { $0.rows?.upperBound }.max() ?? 0
            guard ftruncate(completed, off_t(completedLength)) == 0 else {
                throw SystemError("write", path: completedPath, errno: errno)
            }
            try FileSystem.remove(folder + "/spool")
        }
        for entry in entries {
            guard let index = indexOfTrial[entry.trial] else { continue }
            if finished[index]?.kind == .done && entry.kind == .failed { continue }  // a failed re-run cannot undo a done
            finished[index] = entry
        }
    }

    deinit {
        if completed >= 0 { close(completed) }
    }

    /// Drops every spool file (when no attempt runs any more).
    public func removeSpool() {
        running.removeAll()
        freeSpools.removeAll()
        spoolCount = 0
        try? FileSystem.remove(folder + "/spool")
    }

    /// Creates `folder` (and its parents) if needed, and checks it can be written.
    static func prepareFolder(_ folder: String) throws {
        try FileSystem.createDirectories(folder)
        guard access(folder, W_OK) == 0 else { throw SystemError("write into", path: folder, errno: errno) }
    }

    /// Removes what a sweep writes into `folder` (for --force), nothing else.
    static func clear(_ folder: String) throws {
        for name in ["sweep.yaml", Journal.fileName, completedName, "spool", "metrics.csv", "trials.csv", "summary.csv", "leaderboard.csv"] {
            try FileSystem.remove(folder + "/" + name)
        }
    }

    /// Starts streaming the rows of an attempt to a spool file, dropping an earlier attempt's.
    public func startAttempt(_ index: Int, attempt: Int) throws {
        abandonAttempt(index)
        let spool: Spool
        if let free = freeSpools.popLast() {
            spool = free
        } else {
            let directory = folder + "/spool"
            try FileSystem.createDirectories(directory)
            let path = "\(directory)/\(spoolCount).partial"
            let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SystemError("write", path: path, errno: errno) }
            spoolCount += 1
            spool = Spool(fd: fd, path: path)
        }
        spool.length = 0
        running[index] = (attempt, spool)
    }

    /// Appends records of the running attempt as metric rows.
    public func appendMetrics(_ index: Int, attempt: Int, records: [MetricRecord]) throws {
        guard let (current, spool) = running[index], current == attempt else { return }
        let trial = plan.trials[index]
        let prefix = "\(SweepPlan.hex(trial.id)),\(SweepPlan.hex(plan.configurationIDs[Int(trial.configuration)])),\(trial.seed),"
        var text = ""
        text.reserveCapacity(records.count * 80)
        for record in records { text += prefix + MetricCSV.fields(record) + "\n" }
        try FileSystem.write(spool.fd, text, at: spool.length, path: spool.path)
        spool.length += text.utf8.count
    }

    /// Makes the attempt's rows the trial's: appends them to `completed.csv` as one block; the
    /// trial is durable and journaled at the next `commit`.
    public func completeAttempt(_ index: Int, entry: Journal.Entry) throws {
        guard let (current, spool) = running.removeValue(forKey: index), current == entry.attempt else { return }
        defer { freeSpools.append(spool) }
        let bytes = try FileSystem.read(spool.fd, count: spool.length, at: 0, path: spool.path)
        try bytes.withUnsafeBytes { try FileSystem.write(completed, $0, at: completedLength, path: completedPath) }
        var entry = entry
        entry.rows = completedLength..<(completedLength + bytes.count)
        completedLength += bytes.count
        uncommitted.append((index, entry))
    }

    /// Marks a trial as failed for good (its spooled rows are dropped); journaled by `commit`.
    public func recordFailure(_ index: Int, entry: Journal.Entry) {
        abandonAttempt(index)
        uncommitted.append((index, entry))
    }

    /// Whether finished trials wait for `commit`.
    public var hasUncommitted: Bool { !uncommitted.isEmpty }

    /// Makes every finished trial since the last commit durable: sync `completed.csv`, then
    /// journal the group with one write and fsync.
    public func commit() throws {
        guard !uncommitted.isEmpty else { return }
        if uncommitted.contains(where: { $0.entry.kind == .done }) {
            guard fdatasync(completed) == 0 else { throw SystemError("write", path: completedPath, errno: errno) }
        }
        try journal!.append(uncommitted.map(\.entry))
        for item in uncommitted { finished[item.index] = item.entry }
        uncommitted.removeAll(keepingCapacity: true)
    }

    /// Drops the running attempt's spooled rows (the worker died, or the attempt was cancelled).
    public func abandonAttempt(_ index: Int) {
        guard let (_, spool) = running.removeValue(forKey: index) else { return }
        freeSpools.append(spool)
    }
}
