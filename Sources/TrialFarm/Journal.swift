import Glibc
import TrainingCore

/// The append-only record of finished trials, `journal.log` in the output folder: what a
/// restarted coordinator resumes from. One tab-separated line per event, written with a single
/// write and fsynced before anything depends on it:
///
///     depthfarm-journal  1  SWEEP_ID                       (first line)
///     done    TRIAL_ID  ATTEMPT  FAILURES  STATUS  DIVERGED_STEP  STEPS  EPOCHS  TRAINING_SECONDS
///             TRAIN_LOSS  TRAIN_ACC  TEST_LOSS  TEST_ACC  ROWS_OFFSET  ROWS_LENGTH  HOST  STARTED  FINISHED
///     failed  TRIAL_ID  ATTEMPT  FAILURES  ERROR  HOST  STARTED  FINISHED
///
/// A crash can tear only the last line; reading ignores a last line without its newline, and
/// opening for append cuts it off.
public final class Journal {
    public static let fileName = "journal.log"
    static let header = "depthfarm-journal\t1\t"

    /// A finished trial as the journal has it.
    public struct Entry: Sendable, Equatable {
        public enum Kind: String, Sendable { case done, failed }
        public var kind: Kind
        public var trial: UInt64
        public var attempt: Int
        public var failures: Int
        public var outcome: TrialOutcome?
        /// Where a done trial's metric rows are in `completed.csv`: byte offset and length.
        public var rows: Range<Int>?
        public var error: String?
        public var host: String
        /// Unix seconds.
        public var started: Double
        public var finished: Double
    }

    private let fd: Int32
    private let path: String

    /// Opens (creating if needed) the journal of the sweep `sweepID` in `folder` for appending,
    /// returning it and the entries already there. Throws if the journal belongs to another
    /// sweep, or another process is appending to it (the journal is locked while open).
    public static func open(folder: String, sweepID: String) throws -> (Journal, [Entry]) {
        let path = folder + "/" + fileName
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("write", path: path, errno: errno) }
        // A process started a moment ago may hold the lock until its exec closes the inherited
        // descriptor (milliseconds): only a lock held for a second is another coordinator's.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            attempts += 1
            guard errno == EWOULDBLOCK, attempts < 100 else {
                close(fd)
                throw InputError(folder, "is being written by another coordinator (its journal is locked)")
            }
            usleep(10_000)
        }
        let (entries, keep): ([Entry], Int)
        do {
            (entries, keep) = try read(folder: folder, sweepID: sweepID)
        } catch {
            close(fd)
            throw error
        }
        guard ftruncate(fd, off_t(keep)) == 0, lseek(fd, 0, SEEK_END) >= 0 else {
            close(fd)
            throw SystemError("write", path: path, errno: errno)
        }
        let journal = Journal(fd: fd, path: path)
        if keep == 0 {
            try journal.append(header + sweepID)
            FileSystem.syncDirectory(folder)
        }
        return (journal, entries)
    }

    /// Whether a coordinator has the journal in `folder` open now (it holds the journal's lock
    /// while it runs; the lock goes with the process, however it ends).
    public static func isInUse(folder: String) -> Bool {
        let fd = Glibc.open(folder + "/" + fileName, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }

    /// The entries of the journal in `folder` (none if there is none), and how many bytes of it
    /// are whole lines.
    public static func read(folder: String, sweepID: String) throws -> (entries: [Entry], wholeBytes: Int) {
        let path = folder + "/" + fileName
        guard FileSystem.exists(path) else { return ([], 0) }
        var entries: [Entry] = []
        var keep = 0
        let text = try FileSystem.readText(path)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let last = lines.last, !last.isEmpty { lines.removeLast() }  // torn (or unterminated) last line
        if lines.last?.isEmpty == true { lines.removeLast() }
        for (number, line) in lines.enumerated() {
            if number == 0 {
                guard line.hasPrefix(header) else { throw InputError("\(path):1", "not a depthfarm journal") }
                let found = String(line.dropFirst(header.count))
                guard found == sweepID else {
                    throw InputError(path, "belongs to another sweep (\(found.prefix(12))…, this one is \(sweepID.prefix(12))…)")
                }
            } else {
                guard let entry = Entry(line) else { throw InputError("\(path):\(number + 1)", "malformed journal line") }
                entries.append(entry)
            }
            keep += line.utf8.count + 1
        }
        return (entries, keep)
    }

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Appends entries durably, with one write and one fsync.
    public func append(_ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        try append(entries.map(\.line).joined(separator: "\n"))
    }

    /// One write of the whole group (a crash tears at most the end of it, which reading ignores), then fsync.
    private func append(_ lines: String) throws {
        try FileSystem.write(fd, lines + "\n", path: path)
        guard fsync(fd) == 0 else { throw SystemError("write", path: path, errno: errno) }
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
            let rows = [String(self.rows!.lowerBound), String(self.rows!.count)]
            return (["done", id, String(attempt), String(failures)] + numbers + rows + times).joined(separator: "\t")
        case .failed:
            return (["failed", id, String(attempt), String(failures), Self.escape(error ?? "")] + times).joined(separator: "\t")
        }
    }

    init?(_ line: Substring) {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard let kind = Kind(rawValue: f.first ?? ""), f.count == (kind == .done ? 18 : 8),
            let trial = UInt64(f[1], radix: 16), let attempt = Int(f[2]), let failures = Int(f[3])
        else { return nil }
        let tail = Array(f.suffix(3))
        guard let started = Double(tail[1]), let finished = Double(tail[2]) else { return nil }
        self.kind = kind
        self.trial = trial
        self.attempt = attempt
        self.failures = failures
        host = Self.unescape(tail[0])
        self.started = started
        self.finished = finished
        if kind == .done {
            guard let status = TrialOutcome.Status(rawValue: f[4]), let steps = Int(f[6]), let epochs = Int(f[7]),
                let seconds = Double(f[8])
            else { return nil }
            var outcome = TrialOutcome(status: status)
            outcome.divergedStep = Int(f[5])
            outcome.steps = steps
            outcome.epochsCompleted = epochs
            outcome.trainingSeconds = seconds
            (outcome.trainLoss, outcome.trainAccuracy, outcome.testLoss, outcome.testAccuracy) = (Double(f[9]), Double(f[10]), Double(f[11]), Double(f[12]))
            self.outcome = outcome
            guard let offset = Int(f[13]), let length = Int(f[14]), offset >= 0, length >= 0 else { return nil }
            rows = offset..<(offset + length)
        } else {
            error = Self.unescape(f[4])
        }
    }

    /// Tabs, newlines and backslashes in free text, escaped so that an entry stays one line.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
    }

    static func unescape(_ text: String) -> String {
        var result = "", escaped = false
        for character in text {
            if escaped {
                switch character {
                case "t": result.append("\t")
                case "n": result.append("\n")
                case "r": result.append("\r")
                default: result.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
