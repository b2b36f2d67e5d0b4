import Foundation
import Logging
import Testing
import TrainingCore
@testable import TrialFarm

/// The coordinator's exactly-once logic, without sockets or processes: messages go into its
/// `State`, what it would send comes out of its outbox, and what it records lands in a real
/// output folder.
@Suite struct CoordinatorStateTests {
    static let sweep = """
        seeds: [0, 1]
        parameters:
          hidden: {values: [4, 8]}
          epochs: {value: 1}
        """

    /// A coordinator state over a fresh folder (4 trials), with a logger that keeps its lines.
    final class Fixture {
        let folder: String
        let store: ResultStore
        var state: Coordinator.State
        var now = ContinuousClock.now
        let log = LogLines()

        init(maximumAttempts: Int = 3) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-state-\(UUID())").path
            let plan = try SweepPlan(try Sweep.parse(CoordinatorStateTests.sweep, source: "s.yaml"))
            store = try ResultStore(folder: folder, plan: plan)
            var options = CoordinatorOptions(bind: "inproc://unused")
            options.maximumAttempts = maximumAttempts
            let log = log
            let logger = Logger(label: "coordinator") { _ in LogLines.Handler(lines: log) }
            state = Coordinator.State(store: store, options: options, session: 42, logger: logger, now: now)
        }

        deinit { try? FileSystem.remove(folder) }

        /// Feeds a message from `worker` and returns what the state answers.
        @discardableResult
        func receive(_ message: WireMessage, from worker: String) throws -> [(String, WireMessage)] {
            state.handle(message, from: Array(worker.utf8), now: now)
            try state.dispatch(now: now)
            return takeOutbox()
        }

        func takeOutbox() -> [(String, WireMessage)] {
            defer { state.outbox.removeAll() }
            return state.outbox.map { (String(decoding: $0.id, as: UTF8.self), $0.message) }
        }

        /// Greets as `worker` and asks for one trial; the trial id and attempt it is given.
        func join(_ worker: String) throws -> (trial: UInt64, attempt: Int)? {
            try receive(.hello(host: worker, pid: 1, version: DepthFarmVersion.current), from: worker)
            return try receive(.ready, from: worker).compactMap { _, message in
                if case .assign(let trial, let attempt, _, _, _, _, _) = message { (trial: trial, attempt: attempt) } else { nil }
            }.first
        }

        /// Lets `seconds` pass as the coordinator's loop does: housekeeping every quarter second.
        func idle(_ seconds: Double) throws {
            for _ in 0..<Int(seconds * 4) {
                now += .milliseconds(250)
                try state.housekeeping(now: now)
            }
            _ = takeOutbox()  // heartbeats
        }

        /// One batch of rows and the DONE of an attempt.
        func complete(_ trial: UInt64, attempt: Int, from worker: String) throws {
            var packed: [UInt8] = []
            WireProtocol.appendRecord(MetricRecord(epoch: 1, step: nil, metric: .testAccuracy, value: 0.5), to: &packed)
            try receive(.metrics(trial: trial, attempt: attempt, sequence: 0, records: packed), from: worker)
            var outcome = TrialOutcome(status: .completed)
            outcome.epochsCompleted = 1
            try receive(.done(trial: trial, attempt: attempt, batches: 1, outcome: outcome), from: worker)
        }

        /// Journal lines of finished trials, after a commit.
        func journal() throws -> [String] {
            try store.commit()
            // Without each line's checksum (JournalTests checks those).
            return try FileSystem.readText(folder + "/journal.log").split(separator: "\n").dropFirst().map { String($0.dropLast(9)) }
        }
    }

    @Test("a large plan is taken from the scheduler a bounded number of trials ahead, not whole before the first runs")
    func refillIsBounded() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-refill-\(UUID())").path
        defer { try? FileSystem.remove(folder) }
        let plan = try SweepPlan(try Sweep.parse("seeds: {count: 25000}\nparameters:\n  epochs: {value: 0}\n", source: "s.yaml"))
        let store = try ResultStore(folder: folder, plan: plan)
        var state = Coordinator.State(store: store, options: CoordinatorOptions(bind: "inproc://unused"), session: 1,
                                      logger: Logger(label: "test"), now: ContinuousClock.now)
        try state.refill()
        #expect(state.ready.count == Coordinator.readyAhead && !state.scheduler.isExhausted)
        // As trials are handed out, more are taken, in order, until the plan is exhausted.
        var taken: [Int] = []
        while let index = state.ready.pop() {
            taken.append(index)
            try state.refill()
        }
        #expect(taken == Array(0..<25000) && state.scheduler.isExhausted)
    }

    @Test("HELLO is welcomed with the session; READY is answered with the first trial, attempt 1")
    func handshake() throws {
        let f = try Fixture()
        let welcome = try f.receive(.hello(host: "a", pid: 1, version: DepthFarmVersion.current), from: "a")
        #expect(welcome.count == 1 && welcome[0].1 == .welcome(session: 42, heartbeatMilliseconds: 1000, liveness: 3))
        let assigned = try f.receive(.ready, from: "a")
        guard case .assign(let trial, 1, let configuration, 0, 0, 0, 0) = assigned.first?.1 else { Issue.record("no ASSIGN"); return }
        #expect(trial == f.store.plan.trials[0].id)
        #expect(try TrialConfig(flatJSON: configuration) == f.store.plan.config(of: f.store.plan.trials[0]))
    }

    @Test("a completed attempt is journaled once; a repeated DONE is refused as stale")
    func completeOnce() throws {
        let f = try Fixture()
        let (trial, attempt) = try #require(try f.join("a"))
        try f.complete(trial, attempt: attempt, from: "a")
        #expect(f.state.counts.completed == 1)
        try f.receive(.done(trial: trial, attempt: attempt, batches: 1, outcome: TrialOutcome(status: .completed)), from: "a")
        #expect(f.state.rejected["stale attempt"] == 1)
        #expect(try f.journal().filter { $0.hasPrefix("done\t") }.count == 1)
    }

    @Test("results are accepted only from the worker holding the current attempt")
    func onlyTheHolder() throws {
        let f = try Fixture()
        let (trial, attempt) = try #require(try f.join("a"))
        try f.receive(.hello(host: "b", pid: 2, version: DepthFarmVersion.current), from: "b")
        try f.receive(.done(trial: trial, attempt: attempt, batches: 0, outcome: TrialOutcome(status: .completed)), from: "b")
        try f.receive(.done(trial: trial, attempt: attempt + 1, batches: 0, outcome: TrialOutcome(status: .completed)), from: "a")
        try f.receive(.metrics(trial: trial, attempt: attempt, sequence: 3, records: []), from: "a")
        #expect(f.state.rejected == ["stale attempt": 2, "METRICS out of sequence": 1])
        #expect(f.state.counts.finished == 0)
    }

    @Test("a dead worker's trial goes to another worker as attempt 2, and only attempt 2's result counts")
    func deadWorker() throws {
        let f = try Fixture()
        let (trial, first) = try #require(try f.join("a"))
        try f.receive(.hello(host: "b", pid: 2, version: DepthFarmVersion.current), from: "b")
        try f.idle(2.5)
        try f.receive(.heartbeat, from: "b")
        try f.idle(1)  // a: three missed heartbeats of 1 s
        #expect(f.state.workers.keys.map { String(decoding: $0, as: UTF8.self) } == ["b"])
        #expect(f.log.contains("worker a/1 is silent for 3 heartbeats: dropped"))
        let given = try f.receive(.ready, from: "b")
        // The lost attempt runs before any new trial.
        #expect(given.count == 1 && given[0].1 == .assign(trial: trial, attempt: 2, configuration: f.state.configurationJSON(of: f.store.plan.trials[0]), until: 0, checkpointEvery: 0, resumeEpoch: 0, resumeChunks: 0))
        try f.complete(trial, attempt: first, from: "a")  // the dead worker's late result
        try f.complete(trial, attempt: 2, from: "b")
        // The dead worker is a stranger now: its METRICS and DONE are refused.
        #expect(f.state.rejected["METRICS from a peer that did not say HELLO"] == 1 && f.state.rejected["DONE from a peer that did not say HELLO"] == 1)
        #expect(f.state.counts.completed == 1)
        let lines = try f.journal()
        #expect(lines.count == 1 && lines[0].hasPrefix("done\t\(SweepPlan.hex(trial))\t2\t1\t"))
    }

    @Test("a coordinator busy for seconds (storing gigabytes) does not take its own deafness for its workers' death; a HELLO is a sign of life")
    func busyCoordinator() throws {
        let f = try Fixture()
        _ = try #require(try f.join("a"))
        try f.idle(0.5)
        f.now += .seconds(14)  // one trial's rows copied into completed.csv
        try f.state.housekeeping(now: f.now)
        #expect(f.state.workers.count == 1 && f.state.droppedWorkers.isEmpty)
        try f.idle(2)
        try f.receive(.hello(host: "a", pid: 1, version: DepthFarmVersion.current), from: "a")  // it found us silent, and greets
        try f.idle(2)
        #expect(f.state.workers.count == 1)
        try f.idle(1.5)  // then silent for 3 heartbeats: dead, and remembered, to be told when the sweep ends
        #expect(f.state.workers.isEmpty && f.state.droppedWorkers == [Array("a".utf8)])
        try f.receive(.hello(host: "b", pid: 2, version: DepthFarmVersion.current), from: "b")
        f.state.shutdownAll(reason: "the sweep is complete")
        let told = f.takeOutbox().filter { if case .shutdown = $0.1 { true } else { false } }.map(\.0)
        #expect(told.sorted() == ["a", "b"])
    }

    @Test("the progress line: elapsed time, the trials workers run now, the rate over the last half minute")
    func progressLine() throws {
        let f = try Fixture()
        var (trial, attempt) = try #require(try f.join("a"))
        try f.idle(1)
        #expect(f.state.progressLine(now: f.now).hasPrefix("[0/4] 1s, running 1, workers 1, failed 0, diverged 0, 0.0 trials/s"))
        try f.complete(trial, attempt: attempt, from: "a")
        for _ in 0..<60 {  // a minute of heartbeats and nothing else
            try f.idle(1)
            try f.receive(.heartbeat, from: "a")
        }
        for _ in 0..<3 {
            let given = try f.receive(.ready, from: "a").compactMap { _, message in
                if case .assign(let trial, let attempt, _, _, _, _, _) = message { (trial, attempt) } else { nil }
            }
            (trial, attempt) = try #require(given.first)
            try f.complete(trial, attempt: attempt, from: "a")
            try f.idle(0.25)
        }
        // 3 in the last 30.5 s (since the start it would be 4 in 61.75 s, 0.065 a second).
        let line = f.state.progressLine(now: f.now), rate = f.state.recentRate(now: f.now)
        #expect(line.hasPrefix("[4/4] 1m2s, running 0, workers 1") && line.hasSuffix(" trials/s") && !line.contains("ETA"), "\(line)")
        #expect(abs(rate - 3 / 30.5) < 1e-9, "\(rate)")
    }

    @Test("the progress on a terminal: the best so far, the running trials with their epoch and metric, the top configurations")
    func progressBlock() throws {
        let f = try Fixture()
        let (trial, attempt) = try #require(try f.join("a"))
        var packed: [UInt8] = []
        WireProtocol.appendRecord(MetricRecord(epoch: 1, step: nil, metric: .testAccuracy, value: 0.25), to: &packed)
        try f.receive(.metrics(trial: trial, attempt: attempt, sequence: 0, records: packed), from: "a")
        var lines = f.state.progressBlock(now: f.now).split(separator: "\n").map(String.init)
        // Nothing finished: no best yet; the running trial at epoch 1 of 1 with its latest test_acc.
        #expect(lines.count == 3 && lines[1].contains("running") && lines[1].contains("test_acc"), "\(lines)")
        #expect(lines[2].contains(SweepPlan.hex(trial)) && lines[2].contains("1/1") && lines[2].contains("0.25") && lines[2].contains("a/1")
                && lines[2].hasSuffix("hidden=4"), "\(lines)")
        var outcome = TrialOutcome(status: .completed)
        outcome.epochsCompleted = 1
        try f.receive(.done(trial: trial, attempt: attempt, batches: 1, outcome: outcome), from: "a")
        let (second, secondAttempt) = try #require(try f.receive(.ready, from: "a").compactMap { _, message in
            if case .assign(let trial, let attempt, _, _, _, _, _) = message { (trial, attempt) } else { nil }
        }.first)
        packed = []
        WireProtocol.appendRecord(MetricRecord(epoch: 1, step: nil, metric: .testAccuracy, value: 0.75), to: &packed)
        try f.receive(.metrics(trial: second, attempt: secondAttempt, sequence: 0, records: packed), from: "a")
        try f.receive(.done(trial: second, attempt: secondAttempt, batches: 1, outcome: outcome), from: "a")
        lines = f.state.progressBlock(now: f.now).split(separator: "\n").map(String.init)
        // Both seeds of hidden=4 done: mean 0.5, its interval (t of 1 degree of freedom: ±6.35) clipped to [0, 1].
        #expect(lines[1] == "best so far: test_acc 0.5 [0, 1] (n 2): hidden=4", "\(lines)")
        #expect(lines.contains { $0.contains("top") && $0.contains("rank") } && lines.last!.hasSuffix("2  hidden=4"), "\(lines)")
        #expect(f.state.plainProgressLine(now: f.now).hasSuffix("; best test_acc 0.5 [0, 1] (n 2): hidden=4"))
    }

    @Test("a trial whose attempts all fail is failed for good, with the error as data")
    func failsForGood() throws {
        let f = try Fixture(maximumAttempts: 2)
        let (trial, first) = try #require(try f.join("a"))
        try f.receive(.failed(trial: trial, attempt: first, error: "boom"), from: "a")
        let again = try f.receive(.ready, from: "a")
        #expect(again.first?.1 == .assign(trial: trial, attempt: 2, configuration: f.state.configurationJSON(of: f.store.plan.trials[0]), until: 0, checkpointEvery: 0, resumeEpoch: 0, resumeChunks: 0))
        try f.receive(.failed(trial: trial, attempt: 2, error: "boom again"), from: "a")
        #expect(f.state.counts.failed == 1 && f.state.counts.pending == 3)
        #expect(try f.journal() == ["failed\t\(SweepPlan.hex(trial))\t2\t2\tboom again\t\t\(f.store.finished[0]!.started)\t\(f.store.finished[0]!.finished)"])
    }

    @Test("DONE that does not count every METRICS batch loses the attempt; BYE hands trials back without a failure")
    func missingBatches() throws {
        let f = try Fixture()
        let (trial, attempt) = try #require(try f.join("a"))
        try f.receive(.done(trial: trial, attempt: attempt, batches: 2, outcome: TrialOutcome(status: .completed)), from: "a")
        #expect(f.state.trials[0].failures == 1 && f.state.retries.count == 1)
        let retry = try f.receive(.ready, from: "a")
        #expect(retry.first?.1 == .assign(trial: trial, attempt: 2, configuration: f.state.configurationJSON(of: f.store.plan.trials[0]), until: 0, checkpointEvery: 0, resumeEpoch: 0, resumeChunks: 0))
        try f.receive(.bye(reason: "leaving"), from: "a")
        #expect(f.state.trials[0].failures == 1 && f.state.retries.count == 1 && f.state.workers.isEmpty)
    }

    @Test("a peer that did not say HELLO is refused and asked to greet, at most 100 times a second")
    func strangers() throws {
        let f = try Fixture()
        var welcomes = 0
        for _ in 0..<150 { welcomes += try f.receive(.ready, from: "stranger").count }
        #expect(welcomes == 100 && f.state.rejected["READY from a peer that did not say HELLO"] == 150)
    }

    /// A peer's host name, version, error and reason used to reach the terminal raw (an ESC
    /// sequence can clear it, CR LF forge a line), and trials.csv with a line break in a field.
    @Test("what a peer says (host, version, error, reason) reaches the log, the journal and trials.csv escaped and bounded")
    func hostilePeerText() throws {
        let f = try Fixture(maximumAttempts: 1)
        let host = "\u{1B}[2J\r\nevil\tx", shown = "\\x1b[2J\\x0d\\x0aevil\\x09x"
        try f.receive(.hello(host: host, pid: 7, version: "9.9\u{1B}]0;pwned\u{07}" + String(repeating: "v", count: 1000)), from: "w")
        let (trial, attempt) = try #require(try f.receive(.ready, from: "w").compactMap { _, message in
            if case .assign(let trial, let attempt, _, _, _, _, _) = message { (trial, attempt) } else { nil }
        }.first)
        try f.complete(trial, attempt: attempt, from: "w")
        let second = try #require(try f.receive(.ready, from: "w").compactMap { _, message in
            if case .assign(let trial, _, _, _, _, _, _) = message { trial } else { nil }
        }.first)
        try f.receive(.failed(trial: second, attempt: 1, error: "boom\r\n\u{1B}[31mred\tx\u{202E}"), from: "w")
        try f.receive(.bye(reason: "gone\u{1B}[H\n"), from: "w")
        let journal = try f.journal()
        try ResultFiles.writeTrials(f.store)
        let trials = try FileSystem.readText(f.folder + "/trials.csv")

        let unsafe = { (text: String) in text.unicodeScalars.contains(where: PrintableText.isUnsafe) }
        #expect(!f.log.all.contains(where: unsafe), "\(f.log.all)")
        #expect(f.log.contains("worker \(shown)/7 joined"))
        let warning = try #require(f.log.all.first { $0.contains("runs depthfarm 9.9") })
        #expect(warning.contains("9.9\\x1b]0;pwned\\x07vvv") && warning.contains("…, this coordinator") && warning.utf8.count < 400)
        #expect(f.log.contains("left: gone\\x1b[H\\x0a"))
        // One line per entry, one field per column, and the host and error as shown in the log.
        #expect(journal.count == 2 && !journal.contains { $0.unicodeScalars.contains { PrintableText.isUnsafe($0) && $0 != "\t" } })
        let done = journal[0].split(separator: "\t", omittingEmptySubsequences: false), failed = journal[1].split(separator: "\t", omittingEmptySubsequences: false)
        #expect(done.count == 19 && Journal.Entry.unescape(String(done[16])) == shown)
        #expect(failed.count == 8 && Journal.Entry.unescape(String(failed[4])) == "boom\\x0d\\x0a\\x1b[31mred\\x09x\\u{202e}")
        let lines = trials.split(separator: "\n")
        #expect(!trials.unicodeScalars.contains { PrintableText.isUnsafe($0) && $0 != "\n" })
        #expect(lines.count == 1 + f.store.plan.trials.count && lines.allSatisfy { CSV.split($0).count == CSV.split(lines[0]).count })
        let rows = lines.map { CSV.split($0) }, column = { (name: String) in rows[0].firstIndex(of: name)! }
        #expect(rows[1][column("host")] == shown && rows[2][column("error")].contains("boom\\x0d\\x0a\\x1b[31mred\\x09x"))
    }

    @Test("resuming: complete trials are not run again, and the rest are")
    func resume() throws {
        let folder: String, plan: SweepPlan
        do {
            let f = try Fixture()
            let (trial, attempt) = try #require(try f.join("a"))
            try f.complete(trial, attempt: attempt, from: "a")
            try f.store.commit()
            // Keep the folder: a restarted coordinator opens it below.
            folder = f.folder + "-resumed"
            plan = f.store.plan
            try FileSystem.remove(folder)
            #expect(rename(f.folder, folder) == 0)
        }
        defer { try? FileSystem.remove(folder) }
        let store = try ResultStore(folder: folder, plan: plan)
        var state = Coordinator.State(store: store, options: CoordinatorOptions(bind: "x"), session: 7, logger: Logger(label: "t"), now: .now)
        try state.refill()
        #expect(state.counts.completed == 1 && state.counts.pending == 3)
        #expect(state.ready.count == 3 && state.ready.pop() == 1 && !state.isComplete)
    }
}

/// Log lines kept in memory, for tests.
final class LogLines: @unchecked Sendable {
    private var lines: [String] = []
    func contains(_ text: String) -> Bool { lines.contains { $0.contains(text) } }
    var all: [String] { lines }

    struct Handler: LogHandler {
        let lines: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { lines.lines.append("\(event.level) \(event.message)") }
    }
}
