import Foundation
import Glibc
import Synchronization

/// A running coordinator's view of its sweep, as a value: what `--dashboard` serves (the live
/// page, `/status.json`, `/metrics`) and what `coordinator.status` in the output folder holds for
/// `depthfarm status`. The coordinator makes one from its state at most a few times a second
/// (`Coordinator+LiveStatus.swift`) and hands it over through a `LiveStatusBox`; readers never
/// touch the coordinator's state.
public struct LiveStatus: Codable, Sendable, Equatable {
    /// The sweep's name, and the sweep metric the trials report.
    public var sweep: String
    public var metric: String
    /// The coordinator's process id, and when it started and made this snapshot (Unix time, seconds).
    public var pid: Int32
    public var started: Double
    public var updated: Double
    /// Grows whenever a snapshot differs from the one before in more than its time (a page polls it).
    public var revision = 0
    /// Every trial of the plan by status; `running` are also counted in `pending`.
    public var counts: Counts
    /// Trials finished per second over the last half minute.
    public var trialsPerSecond: Double
    /// The workers connected now, by name.
    public var workers: [Worker]
    /// The trials a table shows: every trial of a sweep of at most `allTrialsUpTo`; otherwise those
    /// running and the last finished ones. In trial-index order.
    public var trials: [Trial]

    /// A sweep of up to this many trials lists them all; a larger one its running and last finished.
    public static let allTrialsUpTo = 200
    /// How many of the last finished trials a larger sweep lists.
    public static let recentFinished = 50
    /// The file in the output folder that holds the JSON of the latest snapshot while the coordinator runs.
    public static let fileName = "coordinator.status"

    public struct Counts: Codable, Sendable, Equatable {
        public var total = 0, pending = 0, running = 0, completed = 0, diverged = 0, pruned = 0, failed = 0
        public init() {}
        public var finished: Int { completed + diverged + pruned + failed }
    }

    public struct Worker: Codable, Sendable, Equatable {
        /// `host/pid`, as the log names it.
        public var name: String
        /// When it was last heard from (Unix time, seconds).
        public var lastHeard: Double
        /// Indices of the trials it holds: the first runs, one more may wait behind it.
        public var trials: [Int]
        public init(name: String, lastHeard: Double, trials: [Int]) {
            self.name = name
            self.lastHeard = lastHeard
            self.trials = trials
        }
    }

    public struct Trial: Codable, Sendable, Equatable {
        /// Its index in the plan, its id (hex) and seed, and its configuration as `name=value` pairs
        /// of the varied parameters.
        public var index: Int
        public var id: String
        public var seed: UInt64
        public var configuration: String
        /// pending, assigned (waiting behind a worker's running trial), running, paused, completed,
        /// diverged, pruned or failed.
        public var status: String
        /// The worker holding it (running or assigned).
        public var worker: String?
        /// The last epoch it reported, of `epochs`, and the sweep metric then (this run's attempts only).
        public var epochReached: Int
        public var epochs: Int
        public var latestValue: Double?
        public init(index: Int, id: String, seed: UInt64, configuration: String, status: String, worker: String?,
                    epochReached: Int, epochs: Int, latestValue: Double?) {
            (self.index, self.id, self.seed, self.configuration, self.status, self.worker) = (index, id, seed, configuration, status, worker)
            (self.epochReached, self.epochs, self.latestValue) = (epochReached, epochs, latestValue)
        }
    }

    public init(sweep: String, metric: String, pid: Int32, started: Double, updated: Double, counts: Counts,
                trialsPerSecond: Double, workers: [Worker], trials: [Trial]) {
        (self.sweep, self.metric, self.pid, self.started, self.updated) = (sweep, metric, pid, started, updated)
        (self.counts, self.trialsPerSecond, self.workers, self.trials) = (counts, trialsPerSecond, workers, trials)
    }

    /// Whether two snapshots say the same apart from when they were made (and their revisions).
    public func sameContent(as other: LiveStatus) -> Bool {
        var (a, b) = (self, other)
        (a.updated, a.revision, b.updated, b.revision) = (0, 0, 0, 0)
        return a == b
    }

    /// Seconds since `worker` was last heard, at `now` (Unix time).
    public static func age(_ worker: Worker, now: Double) -> Double { max(0, now - worker.lastHeard) }

    // MARK: JSON

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain numbers, strings and arrays cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func decode(_ text: String) throws -> LiveStatus {
        try JSONDecoder().decode(LiveStatus.self, from: Data(text.utf8))
    }

    /// The snapshot in `folder`'s `coordinator.status`, or nil if there is none (or it cannot be read).
    public static func read(folder: String) -> LiveStatus? {
        guard let text = try? FileSystem.readText(folder + "/" + fileName) else { return nil }
        return try? decode(text)
    }

    /// Unix time now, in seconds.
    public static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}

/// The latest `LiveStatus`, handed from the coordinator's thread to the HTTP server's: the
/// coordinator replaces it, readers take a copy; neither waits for more than a copy.
public final class LiveStatusBox: Sendable {
    private let value = Mutex<LiveStatus?>(nil)

    public init() {}

    /// The latest snapshot (nil before the first).
    public var latest: LiveStatus? { value.withLock { $0 } }

    /// Replaces the snapshot; its revision grows if it says something new.
    public func publish(_ status: LiveStatus) {
        value.withLock { current in
            var status = status
            status.revision = current.map { $0.sameContent(as: status) ? $0.revision : $0.revision + 1 } ?? 1
            current = status
        }
    }
}

extension LiveStatus {
    /// Writes the snapshot to `folder`'s `coordinator.status`: to a temporary file renamed over it,
    /// so that a reader sees the whole of one snapshot or of the one before. Not synced to disk:
    /// the file only matters while the coordinator runs.
    public func write(folder: String) throws {
        let path = folder + "/" + Self.fileName, temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("write", path: path, errno: errno) }
        do {
            try FileSystem.write(fd, json() + "\n", path: path)
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = SystemError("rename into", path: path, errno: errno)
            unlink(temporary)
            throw error
        }
    }
}
