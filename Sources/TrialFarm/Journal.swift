import Glibc
import TrainingCore

/// The append-only record of a sweep's output folder, `journal.log`: what a restarted coordinator
/// resumes from. One tab-separated line per event, written in groups with a single write and
/// fsynced before anything depends on it, each line ending in the CRC-32C of what precedes it on
/// the line (8 hex digits, `CRC` below):
///
///     depthfarm-journal  2  STUDY_ID  CRC                  (first line)
///     configuration  DRAW  CELL  CONFIG_ID  SEEDS  CONFIGURATION   (one a search added: its draw,
///             its grid_over cell, its id, its seeds comma-separated, its canonical JSON without seed)
///     done    TRIAL_ID  ATTEMPT  FAILURES  STATUS  DIVERGED_STEP  STEPS  EPOCHS  TRAINING_SECONDS
///             TRAIN_LOSS  TRAIN_ACC  TEST_LOSS  TEST_ACC  ROWS_OFFSET  ROWS_LENGTH  ROWS_CRC  HOST
///             STARTED  FINISHED  CRC          (ROWS_CRC: the CRC-32C of the trial's block of rows)
///     failed  TRIAL_ID  ATTEMPT  FAILURES  ERROR  HOST  STARTED  FINISHED  CRC
///     decision  CONFIG_ID  EVENT  SEEDS  EPOCH  TEST  P_VALUE  CRC   (what a search decided of a configuration)
///     compacted  LENGTH  CRC   (`completed.csv` was rewritten, LENGTH bytes: the header row, then
///             every trial done before this line, trial by trial in plan order — see
///             `ResultStore.compactRows`; the offsets of the done lines before it no longer hold)
///
/// A crash can tear only the last line; reading ignores a last line without its newline, and
/// opening for append cuts it off. A whole line whose checksum fails was changed after it was
/// written: a trial's or a decision's line is set aside as `damaged` (the trial runs again, the
/// search decides again), any other is refused — a search's configuration cannot be re-derived.
/// The journal's lock (flock) is the folder's: a coordinator takes it before it changes anything
/// in the folder and holds it while it runs.
public final class Journal {
    public static let fileName = "journal.log"
    static let header = "depthfarm-journal\t2\t"

    /// A finished trial as the journal has it.
    public struct Entry: Sendable, Equatable {
        public enum Kind: String, Sendable { case done, failed }
        public var kind: Kind
        public var trial: UInt64
        public var attempt: Int
        public var failures: Int
        public var outcome: TrialOutcome?
        /// Where a done trial's metric rows are in `completed.csv`: byte offset and length …
        public var rows: Range<Int>?
        /// … and their CRC-32C.
        public var rowsCRC: UInt32 = 0
        public var error: String?
        public var host: String
        /// Unix seconds.
        public var started: Double
        public var finished: Double
    }

    /// A configuration a search added to the plan, with its trials' seeds.
    public struct Proposal: Sendable, Equatable {
        public var draw: Int
        public var cell: Int
        public var configurationID: UInt64
        public var seeds: [UInt64]
        /// The canonical JSON of the configuration, without its seed.
        public var configuration: String
    }

    /// What a journal holds.
    public struct Contents: Sendable, Equatable {
        public var entries: [Entry] = []
        public var proposals: [Proposal] = []
        public var decisions: [SearchDecision] = []
        /// Lines whose checksum fails (set aside), with what they seem to be.
        public var damaged: [Damage] = []
        /// How many bytes are whole lines.
        public var wholeBytes = 0
        /// The last `compacted` line, if any.
        public var compaction: Compaction?
        /// How many lines follow the header.
        public var lines = 0
    }

    /// Where the journal says `completed.csv` was last rewritten in plan order.
    public struct Compaction: Sendable, Equatable {
        /// How many of `Contents.entries` precede it: their rows are found by their trial ids,
        /// not their offsets.
        public var entriesBefore: Int
        /// The file's length it wrote (nil when the line is damaged: it still marks the place).
        public var length: Int?
        /// Its line number after the header, from 1; `Contents.lines` when it is the last line.
        public var line: Int
    }

    /// A journal line changed since it was written.
    public struct Damage: Sendable, Equatable, CustomStringConvertible {
        /// Its line number, from 1.
        public var line: Int
        /// The trial it seems to be about (its id field, if that still reads as one).
        public var trial: UInt64?
        public var description: String { "line \(line) is damaged (its checksum fails)" + (trial.map { ", apparently trial \(SweepPlan.hex($0))" } ?? "") }
    }

    /// A journal of another format (written by another version of depthfarm).
    public struct FormatError: Error, CustomStringConvertible {
        public let path: String
        public let version: String
        public var description: String {
            "\(path): written by another version of depthfarm (journal format \(version), this one reads 2 with checksums); summarize it with that version, or start the folder afresh"
        }
    }

    /// A line whose checksum fails that is not a trial's or a decision's: what it held (a
    /// search's configuration) cannot be re-derived, so the folder cannot be resumed.
    public struct UnrepairableLine: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let line: Int
        public var description: String {
            "\(path):\(line): damaged (its checksum fails), and not a trial's line: what it held cannot be re-run; start the folder afresh"
        }
    }

    /// A line's tab-separated fields, split by bytes rather than Characters: several times faster,
    /// and a resumed or summarized sweep reads a line per trial.
    static func fields(_ line: Substring) -> [Substring] {
        line.utf8.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { Substring($0) }
    }

    /// `line` with its checksum appended: what the journal holds.
    static func sealed(_ line: String) -> String {
        line + "\t" + hex8(CRC32C.checksum(line.utf8))
    }

    static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// The text of a journal line without its checksum, if the checksum holds and it is UTF-8.
    static func unsealed(_ line: ArraySlice<UInt8>) -> String? {
        guard line.count >= 9, line[line.endIndex - 9] == UInt8(ascii: "\t"),
              let crc = UInt32(String(decoding: line.suffix(8), as: UTF8.self), radix: 16),
              CRC32C.checksum(line.dropLast(9)) == crc
        else { return nil }
        return String(validating: line.dropLast(9), as: UTF8.self)
    }

    private let fd: Int32
    private let path: String

    /// Opens (creating if needed) the journal in `folder` and takes its lock, waiting a moment
    /// for it (a process started an instant ago holds an inherited descriptor until its exec);
    /// throws if another coordinator holds it. Nothing is read or written yet.
    public static func lock(folder: String) throws -> Journal {
        let path = folder + "/" + fileName
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("write", path: path, errno: errno) }
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            attempts += 1
            guard errno == EWOULDBLOCK, attempts < 100 else {
                close(fd)
                throw InputError(folder, "is being written by another coordinator (its journal is locked)")
            }
            usleep(10_000)
        }
        return Journal(fd: fd, path: path)
    }

    /// Reads the locked journal of the study `studyID`, cuts off a torn last line and positions
    /// for appending; a new journal gets its header.
    public func open(studyID: String) throws -> Contents {
        let contents = try Self.read(path: path, studyID: studyID)
        guard ftruncate(fd, off_t(contents.wholeBytes)) == 0, lseek(fd, 0, SEEK_END) >= 0 else {
            throw SystemError("write", path: path, errno: errno)
        }
        if contents.wholeBytes == 0 {
            try append([Self.header + studyID])
            FileSystem.syncDirectory(FileSystem.directory(of: path))
        }
        return contents
    }

    /// Empties the journal (for --force), keeping its lock.
    func clear() throws {
        guard ftruncate(fd, 0) == 0 else { throw SystemError("write", path: path, errno: errno) }
    }

    /// Opens and locks the journal of the study `studyID` in `folder` (see `lock`, `open`).
    public static func open(folder: String, studyID: String) throws -> (Journal, Contents) {
        let journal = try lock(folder: folder)
        return (journal, try journal.open(studyID: studyID))
    }

    /// Whether a coordinator has the journal in `folder` open now (it holds the journal's lock
    /// while it runs; the lock goes with the process, however it ends).
    public static func isInUse(folder: String) -> Bool {
        let fd = Glibc.open(folder + "/" + fileName, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }

    /// What the journal in `folder` holds (nothing if there is none).
    public static func read(folder: String, studyID: String) throws -> Contents {
        try read(path: folder + "/" + fileName, studyID: studyID)
    }

    static func read(path: String, studyID: String) throws -> Contents {
        var contents = Contents()
        guard FileSystem.exists(path) else { return contents }
        // Bytes, not text: a line is checked before it is decoded, and lengths are the file's.
        let bytes = try FileSystem.readBytes(path)
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        lines.removeLast()  // the bytes after the last newline: a torn (unterminated) line, or nothing
        for (number, bytes) in lines.enumerated() {
            contents.wholeBytes += bytes.count + 1
            contents.lines = number
            guard let text = unsealed(bytes) else {
                let apparent = String(decoding: bytes, as: UTF8.self)
                if number == 0 {
                    if apparent.hasPrefix("depthfarm-journal\t") {
                        let version = apparent.split(separator: "\t", omittingEmptySubsequences: false).dropFirst().first ?? ""
                        if version != "2" { throw FormatError(path: path, version: String(version)) }
                    }
                    guard apparent.hasPrefix(header) else { throw InputError("\(path):1", "not a depthfarm journal") }
                    throw UnrepairableLine(path: path, line: 1)
                }
                let fields = apparent.split(separator: "\t", omittingEmptySubsequences: false)
                if fields[0] == "compacted" {
                    // Only its length is lost: the rows before it are still found by their trial ids.
                    contents.compaction = Compaction(entriesBefore: contents.entries.count, length: nil, line: number)
                    continue
                }
                guard ["done", "failed", "decision"].contains(fields[0]) else {
                    throw UnrepairableLine(path: path, line: number + 1)
                }
                contents.damaged.append(Damage(line: number + 1, trial: fields[0] == "decision" || fields.count < 2 ? nil : UInt64(fields[1], radix: 16)))
                continue
            }
            let line = Substring(text)
            if number == 0 {
                guard line.hasPrefix(header) else { throw InputError("\(path):1", "not a depthfarm journal") }
                let found = String(line.dropFirst(header.count))
                guard found == studyID else {
                    throw InputError(path, "belongs to another sweep (\(found.prefix(12))…, this one is \(studyID.prefix(12))…)")
                }
            } else if line.hasPrefix("configuration\t") {
                guard let proposal = Proposal(line) else { throw InputError("\(path):\(number + 1)", "malformed journal line") }
                contents.proposals.append(proposal)
            } else if line.hasPrefix("compacted\t") {
                guard let length = Int(line.dropFirst("compacted\t".count)), length >= 0 else {
                    throw InputError("\(path):\(number + 1)", "malformed journal line")
                }
                contents.compaction = Compaction(entriesBefore: contents.entries.count, length: length, line: number)
            } else if line.hasPrefix("decision\t") {
                guard let decision = SearchDecision(journalLine: line) else { throw InputError("\(path):\(number + 1)", "malformed journal line") }
                contents.decisions.append(decision)
            } else {
                guard let entry = Entry(line) else { throw InputError("\(path):\(number + 1)", "malformed journal line") }
                contents.entries.append(entry)
            }
        }
        return contents
    }

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Appends entries durably, with one write and one fsync.
    public func append(_ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        try append(entries.map(\.line))
    }

    /// Appends lines (`Entry.line`, `Proposal.line`), each with its checksum, durably: one write
    /// of the whole group (a crash tears at most the end of it, which reading ignores), then fsync.
    func append(_ lines: [String]) throws {
        try FileSystem.write(fd, lines.map { Self.sealed($0) + "\n" }.joined(), path: path)
        guard fsync(fd) == 0 else { throw SystemError("write", path: path, errno: errno) }
    }
}

extension SearchDecision {
    var journalLine: String {
        ["decision", SweepPlan.hex(configuration), event.rawValue, seeds.map(String.init) ?? "", epoch.map(String.init) ?? "",
         Journal.Entry.escape(test), pValue.map(MetricCSV.format) ?? ""].joined(separator: "\t")
    }

    init?(journalLine line: Substring) {
        let f = Journal.fields(line)
        guard f.count == 7, let id = UInt64(f[1], radix: 16), let event = Event(rawValue: String(f[2])) else { return nil }
        guard f[3].isEmpty || Int(f[3]) != nil, f[4].isEmpty || Int(f[4]) != nil, f[6].isEmpty || Double(f[6]) != nil else { return nil }
        self.init(configuration: id, event: event, seeds: Int(f[3]), epoch: Int(f[4]), test: Journal.Entry.unescape(String(f[5])), pValue: Double(f[6]))
    }
}

extension Journal.Proposal {
    var line: String {
        ["configuration", String(draw), String(cell), SweepPlan.hex(configurationID), seeds.map(String.init).joined(separator: ","),
         configuration].joined(separator: "\t")
    }

    init?(_ line: Substring) {
        let f = Journal.fields(line)
        guard f.count == 6, let draw = Int(f[1]), let cell = Int(f[2]), let id = UInt64(f[3], radix: 16) else { return nil }
        let seeds = f[4].split(separator: ",").compactMap { UInt64($0) }
        guard !seeds.isEmpty, seeds.count == f[4].split(separator: ",").count else { return nil }
        self.init(draw: draw, cell: cell, configurationID: id, seeds: seeds, configuration: String(f[5]))
    }
}

extension Journal.Entry {
    var line: String {
        let id = SweepPlan.hex(trial)
        let times = [host, String(started), String(finished)].map(Self.escape)
        switch kind {
        case .done:
            let o = outcome!
            let numbers = [o.status.rawValue, o.divergedStep.map(String.init) ?? "", String(o.steps), String(o.epochsCompleted),
                           MetricCSV.format(o.trainingSeconds)] + [o.trainLoss, o.trainAccuracy, o.testLoss, o.testAccuracy].map { $0.map(MetricCSV.format) ?? "" }
            let rows = [String(self.rows!.lowerBound), String(self.rows!.count), Journal.hex8(rowsCRC)]
            return (["done", id, String(attempt), String(failures)] + numbers + rows + times).joined(separator: "\t")
        case .failed:
            return (["failed", id, String(attempt), String(failures), Self.escape(error ?? "")] + times).joined(separator: "\t")
        }
    }

    init?(_ line: Substring) {
        let f = Journal.fields(line)
        guard let kind = Kind(rawValue: String(f.first ?? "")), f.count == (kind == .done ? 19 : 8),
            let trial = UInt64(f[1], radix: 16), let attempt = Int(f[2]), let failures = Int(f[3])
        else { return nil }
        let tail = Array(f.suffix(3))
        guard let started = Double(tail[1]), let finished = Double(tail[2]) else { return nil }
        self.kind = kind
        self.trial = trial
        self.attempt = attempt
        self.failures = failures
        host = Self.unescape(String(tail[0]))
        self.started = started
        self.finished = finished
        if kind == .done {
            guard let status = TrialOutcome.Status(rawValue: String(f[4])), let steps = Int(f[6]), let epochs = Int(f[7]),
                let seconds = Double(f[8])
            else { return nil }
            var outcome = TrialOutcome(status: status)
            outcome.divergedStep = Int(f[5])
            outcome.steps = steps
            outcome.epochsCompleted = epochs
            outcome.trainingSeconds = seconds
            (outcome.trainLoss, outcome.trainAccuracy, outcome.testLoss, outcome.testAccuracy) = (Double(f[9]), Double(f[10]), Double(f[11]), Double(f[12]))
            self.outcome = outcome
            guard let offset = Int(f[13]), let length = Int(f[14]), offset >= 0, length >= 0, !offset.addingReportingOverflow(length).overflow,
                  let crc = UInt32(f[15], radix: 16)
            else { return nil }
            rows = offset..<(offset + length)
            rowsCRC = crc
        } else {
            error = Self.unescape(String(f[4]))
        }
    }

    /// Tabs, newlines and backslashes in free text, escaped so that an entry stays one line.
    static func escape(_ text: String) -> String {
        // Most text needs nothing (a host name, a time): Foundation's search was a fifth of the
        // coordinator's time per trial.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") })
        else { return text }
        // Literal: by default CR LF is one Character, matching neither "\r" nor "\n", and a
        // backslash followed by a combining mark is one Character too.
        return text.replacingOccurrences(of: "\\", with: "\\\\", options: .literal).replacingOccurrences(of: "\t", with: "\\t", options: .literal)
            .replacingOccurrences(of: "\n", with: "\\n", options: .literal).replacingOccurrences(of: "\r", with: "\\r", options: .literal)
    }

    static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "\\")) else { return text }
        // By scalars, not Characters: the letter of an escape may carry a combining mark that
        // follows it in the text ("\\t" + U+0301 ends in one Character, not "t").
        var result = String.UnicodeScalarView(), escaped = false
        for scalar in text.unicodeScalars {
            if escaped {
                switch scalar {
                case "t": result.append("\t")
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "\\": result.append("\\")
                default:
                    // Never written since escapes are literal; but a journal written before kept
                    // a backslash before a combining mark as it was (one Character with it).
                    result.append("\\")
                    result.append(scalar)
                }
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else {
                result.append(scalar)
            }
        }
        if escaped { result.append("\\") }  // a last lone backslash (never written) stays
        return String(result)
    }
}
