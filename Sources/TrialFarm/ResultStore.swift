import Glibc
import TrainingCore

/// The output folder of a sweep, written so that nothing is lost or counted twice:
///
///     sweep.yaml      the resolved sweep (written once; a different sweep is refused)
///     journal.log     append-only: every finished trial (see `Journal`)
///     completed.csv   the metric rows of every completed trial, each trial's rows together,
///                     where the journal says; appended to while a sweep runs, and rewritten in
///                     plan order when it ends (`compactRows`), when `metrics.csv` becomes a
///                     second name of it: one copy of the rows on disk
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
public final class ResultStore: TrialRegistry {
    public let folder: String
    /// The trials: the sweep file's, and those a search added (recorded in the journal).
    public private(set) var plan: SweepPlan
    /// The journal, when the store is open for writing.
    let journal: Journal?
    /// `completed.csv`, open for appending (writing) or reading.
    var completed: Int32
    /// Its length: where the next block of rows goes.
    var completedLength: Int
    /// What the journal has for each trial of the plan (done or failed), by trial index.
    public internal(set) var finished: [Journal.Entry?]
    /// Spool files of running attempts, by trial index.
    var running: [Int: (attempt: Int, spool: Spool)] = [:]
    /// Spool files not in use.
    var freeSpools: [Spool] = []
    private var spoolCount = 0
    /// Finished trials, and configurations a search added, waiting for `commit`.
    var uncommitted: [(index: Int, entry: Journal.Entry)] = []
    private var uncommittedProposals: [Journal.Proposal] = []
    private var uncommittedDecisions: [SearchDecision] = []
    /// What the search decided of configurations (a race's eliminations, early stopping's prunings).
    public private(set) var decisions: [SearchDecision] = []
    /// The configurations the journal records a search added, with their trials' indices; a
    /// search replaying on resume must propose exactly these, in order (`add`).
    private var recorded: [(proposal: Journal.Proposal, trials: Range<Int>)] = []
    /// How many of `recorded` the search has proposed again.
    private var replayed = 0
    /// Set when a search proposes something other than the journal records.
    public private(set) var replayError: InputError?
    /// The index of each trial id in the plan.
    private(set) var indexOfTrial: [UInt64: Int]
    /// How the study grew when the folder was opened (more seeds, more draws), for the log.
    public private(set) var growth: String?
    /// What opening the folder found damaged (journal lines, blocks of rows), each set aside.
    public internal(set) var damage: [Damage] = []
    /// The latest whole checkpoint of each unfinished trial that has one, and those being received.
    var checkpoints: [Int: CheckpointHeader] = [:]
    var incoming: [Int: IncomingCheckpoint] = [:]

    public static let metricsHeader = "trial_id,config_id,seed,epoch,step,metric,lag,value"
    static let completedName = "completed.csv"
    /// `completed.csv` being rewritten in plan order (`compactRows`).
    static let compactingName = "completed.csv.compacting"
    /// The rows' file open as `completed`: `completed.csv` (read-only, the rewrite of it that a
    /// crash kept from its place, if the journal records it: `finishedCompaction`).
    var completedPath: String
    /// Whether `metrics.csv` may be a second name of `completed.csv` (see `detachMetrics`).
    var metricsMayShareRows = true

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

    /// Something in the folder changed since it was written, found by its checksum or its length.
    public struct Damage: Sendable, CustomStringConvertible {
        /// Where, and what.
        public var description: String
        /// The plan index of the trial it touches, if known.
        public var trial: Int?
        /// The trial has a whole record besides (a later attempt's): nothing is missing.
        public var superseded = false
        /// A checkpoint: no result is missing, its trial only starts over.
        public var isCheckpoint = false
    }

    /// The largest block of rows one trial may have, by default (see `maximumTrialBytes`).
    public static let defaultMaximumTrialBytes = 8 << 30
    /// A trial whose rows grow beyond this many bytes fails (`TrialTooLarge`): the coordinator's
    /// disk is the limit otherwise.
    public var maximumTrialBytes = ResultStore.defaultMaximumTrialBytes

    /// A running attempt's rows grew beyond `maximumTrialBytes`.
    public struct TrialTooLarge: Error, CustomStringConvertible {
        public let limit: Int
        public var description: String { "its rows grew beyond \(ByteCount.text(limit)) (the most a trial may write)" }
    }

    /// What went wrong opening a folder for a sweep.
    public enum OpenError: Error, CustomStringConvertible, Equatable {
        /// The folder holds the results of another study: what differs.
        case anotherSweep(folder: String, changes: [String])
        /// Read-only, the folder is damaged where it matters: the first problem, and how many.
        case damaged(folder: String, first: String, count: Int)

        public var description: String {
            switch self {
            case .anotherSweep(let folder, let changes):
                "\(folder): holds the results of another sweep (\(changes.joined(separator: "; ")))"
            case .damaged(let folder, let first, let count):
                "\(folder): \(first)\(count > 1 ? " (and \(count - 1) more problems)" : ""); running the sweep again re-runs what it touches (depthfarm verify lists every problem)"
            }
        }
    }

    /// Opens `folder` for `plan`: creates it and `sweep.yaml`, or checks that the folder holds this
    /// study — the same sweep, or the same grown by seeds or draws (`Sweep+Identity`), which
    /// keeps every finished trial; another study is refused unless `force`, which starts the
    /// folder afresh. The journal's lock is taken before anything in the folder changes. With
    /// `readOnly`, nothing is created or changed (for summarising a folder, perhaps while its
    /// sweep still runs).
    ///
    /// Opening checks what the folder relies on: every journal line's checksum, and that each
    /// completed trial's block of rows is there whole with its checksum. Damage is set aside
    /// (`damage`): its trials count as not run, and run again when the folder is opened for
    /// writing; read-only, a trial damaged for good is refused (`OpenError.damaged`) unless
    /// `acceptDamage` (for `depthfarm verify`).
    public init(folder: String, plan: SweepPlan, force: Bool = false, readOnly: Bool = false, acceptDamage: Bool = false) throws {
        self.folder = folder
        self.plan = plan
        completedPath = folder + "/" + Self.completedName
        let sweepFile = folder + "/sweep.yaml"
        var contents: Journal.Contents
        if readOnly {
            journal = nil
            contents = try Journal.read(folder: folder, studyID: plan.studyID)
            // A rewrite the journal has but a crash kept from its place is the rows' file.
            if Self.finishedCompaction(folder, contents) { completedPath = folder + "/" + Self.compactingName }
            completed = open(completedPath, O_RDONLY | O_CLOEXEC)
            // Missing, it holds nothing (every block is then missing); unreadable, that is the error.
            guard completed >= 0 || errno == ENOENT else { throw SystemError("read", path: completedPath, errno: errno) }
            completedLength = 0
        } else {
            try Self.prepareFolder(folder)
            try Self.refuseForeignFolder(folder)
            let journal = try Journal.lock(folder: folder)
            self.journal = journal
            if FileSystem.exists(sweepFile) {
                let changes = Self.changes(in: sweepFile, for: plan)
                if !changes.isEmpty {
                    guard force else { throw OpenError.anotherSweep(folder: folder, changes: changes) }
                    try journal.clear()
                    try Self.clear(folder)
                } else if (try? ResolvedSweep.sweepID(ofFile: sweepFile)) != plan.sweepID {
                    growth = (try? Sweep.parse(FileSystem.readText(sweepFile), source: sweepFile)).flatMap { plan.sweep.growth(from: $0) }
                    try FileSystem.writeAtomically(ResolvedSweep.yaml(plan), to: sweepFile)
                }
            }
            if !FileSystem.exists(sweepFile) {
                try FileSystem.writeAtomically(ResolvedSweep.yaml(plan), to: sweepFile)
            }
            do {
                contents = try journal.open(studyID: plan.studyID)
            } catch where force && (error is Journal.FormatError || error is Journal.UnrepairableLine) {
                // Unreadable by this version, or damaged beyond repair: --force starts afresh.
                try journal.clear()
                try Self.clear(folder)
                try FileSystem.writeAtomically(ResolvedSweep.yaml(plan), to: sweepFile)
                contents = try journal.open(studyID: plan.studyID)
            }
            try Self.settleCompaction(folder, contents)
            _ = chmod(completedPath, 0o644)  // read-only between runs (`compactRows`)
            completed = open(completedPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard completed >= 0 else { throw SystemError("write", path: completedPath, errno: errno) }
            completedLength = 0
            try Self.removeSpoolFiles(folder)
        }
        if let compaction = contents.compaction {
            try Self.locateCompactedRows(&contents, compaction, completed: completed, path: completedPath)
        }
        let rowDamage = try Self.checkRows(&contents, completed: completed, path: completedPath)
        if !readOnly {
            // Rows written after the last journaled group belong to no trial: cut them off (a
            // rewritten file's header row, before any trial's rows, stays).
            let size = try FileSystem.size(completed, path: completedPath)
            completedLength = max(contents.entries.compactMap { $0.rows?.upperBound }.max() ?? 0, min(contents.compaction?.length ?? 0, size))
            if completedLength != size {
                Self.removeMetricsName(of: completed, in: folder)
                guard ftruncate(completed, off_t(completedLength)) == 0 else {
                    throw SystemError("write", path: completedPath, errno: errno)
                }
            }
        }
        let path = folder + "/" + Journal.fileName
        for (number, proposal) in contents.proposals.enumerated() {
            guard let config = try? TrialConfig(flatJSON: proposal.configuration),
                  let trials = self.plan.add(config, draw: proposal.draw, cell: proposal.cell, seeds: proposal.seeds),
                  // A new configuration, or new seeds of one already there (a race's next block).
                  self.plan.configurationIDs[Int(self.plan.trials[trials.lowerBound].configuration)] == proposal.configurationID
            else { throw InputError(path, "configuration \(number + 1) of the journal is damaged or repeated") }
            recorded.append((proposal, trials))
        }
        indexOfTrial = Dictionary(uniqueKeysWithValues: self.plan.trials.enumerated().map { ($1.id, $0) })
        finished = [Journal.Entry?](repeating: nil, count: self.plan.trials.count)
        decisions = contents.decisions
        for entry in contents.entries {
            guard let index = indexOfTrial[entry.trial] else { continue }
            if finished[index]?.kind == .done && entry.kind == .failed { continue }  // a failed re-run cannot undo a done
            finished[index] = entry
        }
        damage = contents.damaged.map { Damage(description: "\(Journal.fileName) \($0)", trial: $0.trial.flatMap { indexOfTrial[$0] }) }
            + rowDamage.map { Damage(description: "\(Self.completedName): the rows of trial \(SweepPlan.hex($0.trial)) \($0.problem)", trial: indexOfTrial[$0.trial]) }
        for index in damage.indices {
            // Only a whole later `done` makes up for it: a `failed` left from before does not.
            if let trial = damage[index].trial { damage[index].superseded = finished[trial]?.kind == .done }
        }
        if readOnly && !acceptDamage, let first = damage.first(where: { !$0.superseded && $0.trial != nil }) {
            throw OpenError.damaged(folder: folder, first: first.description, count: damage.count { !$0.superseded })
        }
        loadCheckpoints()
    }

    /// Checks that each done trial's block of rows is in `completed.csv`, whole, with its
    /// checksum; a trial whose block is not is taken out of `contents` (it has not run). Returns
    /// those trials, with what is wrong.
    private static func checkRows(_ contents: inout Journal.Contents, completed: Int32, path completedPath: String) throws -> [(trial: UInt64, problem: String)] {
        let size = completed >= 0 ? try FileSystem.size(completed, path: completedPath) : 0
        var damagedTrials: [(trial: UInt64, problem: String)] = []
        var kept: [Journal.Entry] = []
        for entry in contents.entries {
            guard entry.kind == .done, let rows = entry.rows else {
                kept.append(entry)
                continue
            }
            // Beyond the end even when empty: the file must not be extended to reach it.
            if rows.upperBound > size {
                damagedTrials.append((entry.trial, rows.lowerBound >= size && !rows.isEmpty ? "are missing (the file ends at byte \(size))" : "are cut short (the file ends at byte \(size))"))
            } else if try FileSystem.checksum(completed, count: rows.count, at: rows.lowerBound, path: completedPath) != entry.rowsCRC {
                damagedTrials.append((entry.trial, "are damaged (their checksum fails)"))
            } else {
                kept.append(entry)
            }
        }
        contents.entries = kept
        return damagedTrials
    }

    /// Whether `folder` holds a rewrite of `completed.csv` that the journal records as done (its
    /// last line, with the rewrite's length) but a crash kept from being renamed into place.
    static func finishedCompaction(_ folder: String, _ contents: Journal.Contents) -> Bool {
        guard let compaction = contents.compaction, compaction.line == contents.lines, let length = compaction.length else { return false }
        var info = stat()
        return stat(folder + "/" + compactingName, &info) == 0 && Int(info.st_size) == length
    }

    /// Finishes a rewrite of `completed.csv` that a crash interrupted after the journal recorded
    /// it, or removes one the journal does not record (the file in place then still holds every row).
    static func settleCompaction(_ folder: String, _ contents: Journal.Contents) throws {
        let path = folder + "/" + compactingName
        guard FileSystem.exists(path) else { return }
        if finishedCompaction(folder, contents) {
            guard rename(path, folder + "/" + completedName) == 0 else { throw SystemError("rename into", path: folder + "/" + completedName, errno: errno) }
            FileSystem.syncDirectory(folder)
        } else {
            try FileSystem.remove(path)
        }
    }

    /// Gives the done trials journaled before the last `compacted` line their rows' place in the
    /// rewritten file: where the run of lines starting with their trial id begins (the file holds
    /// them trial by trial; a trial's later done line, before the compaction, replaces its
    /// earlier ones). Found by content rather than computed from the journal, so that a damaged
    /// journal line costs only its own trial, and a crash between the journal's line and the
    /// rename costs nothing: each block's checksum then decides, as always.
    private static func locateCompactedRows(_ contents: inout Journal.Contents, _ compaction: Journal.Compaction,
                                            completed: Int32, path: String) throws {
        let starts = completed >= 0 ? try blockStarts(completed, path: path) : [:]
        let size = completed >= 0 ? try FileSystem.size(completed, path: path) : 0
        let before = contents.entries[..<compaction.entriesBefore]
        let latest = Dictionary(before.enumerated().filter { $0.element.kind == .done }.map { ($0.element.trial, $0.offset) }, uniquingKeysWith: { _, b in b })
        var kept: [Journal.Entry] = []
        for (number, var entry) in before.enumerated() {
            if entry.kind == .done {
                guard latest[entry.trial] == number, let rows = entry.rows else { continue }
                // Not found: past the end, so that the check calls its rows missing.
                let start = rows.isEmpty ? 0 : starts[entry.trial] ?? size
                entry.rows = start..<(start + rows.count)
            }
            kept.append(entry)
        }
        contents.entries = kept + contents.entries[compaction.entriesBefore...]
    }

    /// Where each trial's rows first begin in a rows file: the first line of each run of lines
    /// that start with the same trial id. Read a megabyte at a time.
    static func blockStarts(_ fd: Int32, path: String) throws -> [UInt64: Int] {
        let size = try FileSystem.size(fd, path: path)
        var starts: [UInt64: Int] = [:], previous: UInt64?, offset = 0
        while offset < size {
            let piece = try FileSystem.read(fd, count: min(1 << 20, size - offset), at: offset, path: path)
            // Whole lines only (the rest starts the next piece), unless this is the end.
            let whole = offset + piece.count == size ? piece.count : (piece.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? piece.count)
            piece.withUnsafeBufferPointer { bytes in
                var lineStart = 0
                while lineStart < whole {
                    let end = bytes[lineStart..<whole].firstIndex(of: UInt8(ascii: "\n")) ?? whole
                    if end - lineStart > 16, bytes[lineStart + 16] == UInt8(ascii: ","), let id = hexID(bytes[lineStart..<(lineStart + 16)]) {
                        if id != previous, starts[id] == nil { starts[id] = offset + lineStart }
                        previous = id
                    } else {
                        previous = nil
                    }
                    lineStart = end + 1
                }
            }
            offset += whole
        }
        return starts
    }

    /// Sixteen lowercase hex digits as a trial id.
    private static func hexID(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> UInt64? {
        var value: UInt64 = 0
        for digit in digits {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt64(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt64(digit - UInt8(ascii: "a") + 10)
            default: return nil
            }
        }
        return value
    }

    /// What makes the sweep recorded in `sweepFile` another study than `plan`'s (empty: the same
    /// study, perhaps grown).
    static func changes(in sweepFile: String, for plan: SweepPlan) -> [String] {
        guard let old = try? Sweep.parse(FileSystem.readText(sweepFile), source: sweepFile),
              let recordedStudy = try? ResolvedSweep.field("study_id", ofFile: sweepFile)
        else { return ["its sweep.yaml is unreadable"] }
        var changes = plan.sweep.changes(from: old)
        // A grid's study is its set of configurations: the order of values does not change it.
        if plan.sweep.method == .grid && old.method == .grid && recordedStudy == plan.studyID {
            changes.removeAll { $0.hasPrefix("parameters.") }
        }
        if changes.isEmpty && recordedStudy != plan.studyID { changes.append("its configurations differ") }
        return changes
    }

    // MARK: Trials a search adds

    /// Adds a configuration a search proposes, with a trial per seed; returns the trials'
    /// indices, or nil for a configuration already in the plan. On resume the journal's
    /// configurations come back first: each must be proposed again, in order, exactly.
    public func add(_ config: TrialConfig, draw: Int, cell: Int, seeds: [UInt64]) -> Range<Int>? {
        if replayed < recorded.count {
            let (proposal, trials) = recorded[replayed]
            let id = SweepPlan.id(config.resolved.canonicalJSON(includingSeed: false))
            guard proposal.configurationID == id, proposal.draw == draw, proposal.cell == cell, proposal.seeds == seeds else {
                if proposal.configurationID == id || plan.configurationIDs.contains(id) { return nil }  // a duplicate draw
                replayError = InputError(folder + "/" + Journal.fileName, "the search does not propose configuration \(replayed + 1) as recorded (draw \(draw)): was the folder written by another version of depthfarm?")
                return nil
            }
            replayed += 1
            return trials
        }
        guard let trials = plan.add(config, draw: draw, cell: cell, seeds: seeds) else { return nil }
        for index in trials { indexOfTrial[plan.trials[index].id] = index }
        finished.append(contentsOf: [Journal.Entry?](repeating: nil, count: trials.count))
        // A new configuration, or new seeds of one already there (a race's next block).
        let configuration = Int(plan.trials[trials.lowerBound].configuration)
        uncommittedProposals.append(Journal.Proposal(draw: draw, cell: cell, configurationID: plan.configurationIDs[configuration], seeds: seeds,
                                                     configuration: plan.configurations[configuration].canonicalJSON(includingSeed: false)))
        return trials
    }

    deinit {
        if completed >= 0 { close(completed) }
    }

    /// Drops every spool file (when no attempt runs any more).
    public func removeSpool() {
        running.removeAll()
        freeSpools.removeAll()
        spoolCount = 0
        try? Self.removeSpoolFiles(folder)
    }

    /// Removes the spool files of `folder` — those named as the store names them, nothing else
    /// a user may have put there — and the spool folder if that leaves it empty.
    static func removeSpoolFiles(_ folder: String) throws {
        try FileSystem.remove(in: folder + "/spool") { name in
            name.hasSuffix(".partial") && !name.dropLast(".partial".count).isEmpty && name.dropLast(".partial".count).allSatisfy { $0.isASCII && $0.isNumber }
        }
    }

    /// The files a sweep writes into its folder besides the journal, `spool/` and `checkpoints/`.
    static let fileNames = ["sweep.yaml", completedName, compactingName, "metrics.csv", ".metrics.csv.link", "trials.csv", "summary.csv", "summary-windows.csv", "leaderboard.csv",
                            "decisions.csv", "report.html"]

    /// Creates `folder` (and its parents) if needed, and checks it can be written.
    static func prepareFolder(_ folder: String) throws {
        try FileSystem.createDirectories(folder)
        guard access(folder, W_OK) == 0 else { throw SystemError("write into", path: folder, errno: errno) }
    }

    /// Refuses a folder that holds files but neither a journal nor `sweep.yaml`: it is not a
    /// sweep's, and no file of a user's may be overwritten.
    static func refuseForeignFolder(_ folder: String) throws {
        let names = try FileSystem.names(in: folder)
        if !names.isEmpty && !names.contains(Journal.fileName) && !names.contains("sweep.yaml") {
            throw InputError(folder, "holds files but no sweep's results (no journal.log or sweep.yaml): choose a new or empty folder")
        }
    }

    /// Removes what a sweep writes into `folder` (for --force), nothing else; the journal is
    /// emptied by its holder, which keeps its lock.
    static func clear(_ folder: String) throws {
        for name in fileNames { try FileSystem.remove(folder + "/" + name) }
        try removeSpoolFiles(folder)
        try FileSystem.remove(in: folder + "/checkpoints", where: isCheckpointFileName)
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
        // A trial with a checkpoint resumes from it: its rows so far come first.
        spool.length = try copyCheckpointRows(index, to: spool.fd, at: 0, path: spool.path).count
        running[index] = (attempt, spool)
    }

    /// Appends records of the running attempt as metric rows; throws `TrialTooLarge` (writing
    /// nothing) once they would grow beyond `maximumTrialBytes`.
    public func appendMetrics(_ index: Int, attempt: Int, records: [MetricRecord]) throws {
        guard let (current, spool) = running[index], current == attempt else { return }
        let trial = plan.trials[index]
        let prefix = Array("\(SweepPlan.hex(trial.id)),\(SweepPlan.hex(plan.configurationIDs[Int(trial.configuration)])),\(trial.seed),".utf8)
        var rows: [UInt8] = []
        rows.reserveCapacity(records.count * 80)
        for record in records {
            rows += prefix
            MetricCSV.append(record, to: &rows)
            rows.append(UInt8(ascii: "\n"))
        }
        guard spool.length + rows.count <= maximumTrialBytes else { throw TrialTooLarge(limit: maximumTrialBytes) }
        try rows.withUnsafeBytes { try FileSystem.write(spool.fd, $0, at: spool.length, path: spool.path) }
        spool.length += rows.count
    }

    /// Makes the attempt's rows the trial's: appends them to `completed.csv` as one block, a
    /// megabyte at a time, with its checksum; the trial is durable and journaled at the next `commit`.
    public func completeAttempt(_ index: Int, entry: Journal.Entry) throws {
        guard let (current, spool) = running.removeValue(forKey: index), current == entry.attempt else { return }
        defer { freeSpools.append(spool) }
        detachMetrics()
        var crc = CRC32C()
        try FileSystem.copy(spool.length, from: spool.fd, at: 0, path: spool.path, to: completed, at: completedLength, path: completedPath, crc: &crc)
        var entry = entry
        entry.rows = completedLength..<(completedLength + spool.length)
        entry.rowsCRC = crc.value
        completedLength += spool.length
        uncommitted.append((index, entry))
    }

    /// Marks a trial as failed for good (its spooled rows are dropped); journaled by `commit`.
    public func recordFailure(_ index: Int, entry: Journal.Entry) {
        abandonAttempt(index)
        uncommitted.append((index, entry))
    }

    /// Records what a search decided (once each: a resumed search decides it again).
    public func record(_ new: [SearchDecision]) {
        for decision in new where !decisions.contains(where: { $0.configuration == decision.configuration && $0.event == decision.event }) {
            decisions.append(decision)
            uncommittedDecisions.append(decision)
        }
    }

    /// Whether finished trials or added configurations wait for `commit`.
    public var hasUncommitted: Bool { !uncommitted.isEmpty || !uncommittedProposals.isEmpty || !uncommittedDecisions.isEmpty }

    /// Makes every finished trial and added configuration since the last commit durable: sync
    /// `completed.csv`, then journal the group — configurations first — with one write and fsync.
    public func commit() throws {
        guard hasUncommitted else { return }
        if uncommitted.contains(where: { $0.entry.kind == .done }) {
            guard fdatasync(completed) == 0 else { throw SystemError("write", path: completedPath, errno: errno) }
        }
        try journal!.append(uncommittedProposals.map(\.line) + uncommitted.map(\.entry.line) + uncommittedDecisions.map(\.journalLine))
        for item in uncommitted {
            finished[item.index] = item.entry
            dropCheckpoint(item.index)
        }
        uncommitted.removeAll(keepingCapacity: true)
        uncommittedProposals.removeAll(keepingCapacity: true)
        uncommittedDecisions.removeAll(keepingCapacity: true)
    }

    /// Drops the running attempt's spooled rows (the worker died, or the attempt was cancelled);
    /// the trial's checkpoint, if any, stays for the next attempt.
    public func abandonAttempt(_ index: Int) {
        incoming[index] = nil
        guard let (_, spool) = running.removeValue(forKey: index) else { return }
        freeSpools.append(spool)
    }
}
