import Logging
import Testing
import TrainingCore
@testable import TrialFarm

/// The worker's decisions, without sockets or threads: messages go into its `State`, and a
/// recording port shows what it sends, trains and cancels.
@Suite struct WorkerStateTests {
    final class Port: WorkerPort {
        var sent: [WireMessage] = []
        var forwarded: [[[UInt8]]] = []
        var trained: [Int] = []
        var cancelledUpTo = 0
        /// Whether the coordinator's queue takes messages.
        var accepting = true

        func send(_ message: WireMessage) -> Bool {
            guard accepting else { return false }
            sent.append(message)
            return true
        }
        func forward(_ frames: [[UInt8]]) -> Bool {
            guard accepting else { return false }
            forwarded.append(frames)
            return true
        }
        func train(_ job: Worker.Job) throws { trained.append(job.generation) }
        func cancel(upTo generation: Int) { cancelledUpTo = max(cancelledUpTo, generation) }

        /// What was sent since the last call, by command.
        func take() -> [String] {
            defer { sent = [] }
            return sent.map(\.command)
        }
    }

    static func state(stay: Bool = false, patience: Double? = 3600, now: ContinuousClock.Instant) -> Worker.State {
        var options = WorkerOptions(endpoint: "tcp://coordinator:5555")
        options.stay = stay
        options.patience = patience
        options.host = "node"
        return Worker.State(options: options, logger: Logger(label: "worker"), now: now)
    }

    static let welcome = WireMessage.welcome(session: 1, heartbeatMilliseconds: 1000, liveness: 3)

    /// A worker that greeted and was welcomed (what it sent so far taken from `port`).
    static func welcomed(now: ContinuousClock.Instant, port: Port) throws -> Worker.State {
        var state = Self.state(now: now)
        state.greet(now: now, port: port)
        _ = try state.received(welcome, now: now, port: port)
        _ = port.take()
        return state
    }

    static func assign(_ trial: UInt64, attempt: Int = 1) -> WireMessage {
        .assign(trial: trial, attempt: attempt, configuration: "{}", until: 0, checkpointEvery: 0, resumeEpoch: 0, resumeChunks: 0)
    }

    static func done(_ trial: UInt64, attempt: Int = 1) -> [[UInt8]] {
        WireMessage.done(trial: trial, attempt: attempt, batches: 0, outcome: TrialOutcome(status: .completed)).encode()
    }

    @Test("greets, asks for one trial once welcomed, trains it, forwards its result, then asks again")
    func lifecycle() throws {
        let port = Port()
        var now = ContinuousClock.now
        var state = Self.state(now: now)
        state.greet(now: now, port: port)
        #expect(port.take() == ["HELLO"])
        #expect(state.housekeeping(now: now, port: port) == nil && port.take().isEmpty)  // not welcome yet
        _ = try state.received(Self.welcome, now: now, port: port)
        _ = state.housekeeping(now: now, port: port)
        #expect(port.take() == ["READY"] && state.credits == 1)
        _ = try state.received(Self.assign(7), now: now, port: port)
        #expect(port.trained == [1] && state.credits == 0)
        now += .seconds(2)  // a long trial: no second trial asked for
        try state.fromTrainer(Self.done(7), now: now, port: port)
        try state.fromTrainer(WireMessage.ready.encode(), now: now, port: port)
        #expect(port.forwarded == [Self.done(7)] && !state.pipeline)
        _ = state.housekeeping(now: now, port: port)
        #expect(port.take() == ["READY"])
    }

    @Test("short trials are pipelined: a second is asked for while one runs, and starts when it ends")
    func pipelining() throws {
        let port = Port()
        let now = ContinuousClock.now
        var state = try Self.welcomed(now: now, port: port)
        _ = state.housekeeping(now: now, port: port)
        _ = try state.received(Self.assign(1), now: now, port: port)
        try state.fromTrainer(WireMessage.ready.encode(), now: now, port: port)  // finished at once
        #expect(state.pipeline)
        _ = port.take()
        _ = state.housekeeping(now: now, port: port)
        #expect(port.take() == ["READY", "READY"])  // one to run, one to wait behind it
        _ = try state.received(Self.assign(2), now: now, port: port)
        _ = try state.received(Self.assign(3), now: now, port: port)
        _ = state.housekeeping(now: now, port: port)
        #expect(port.take().isEmpty)
        #expect(port.trained == [1, 2] && state.waiting?.trial == 3)
        try state.fromTrainer(WireMessage.ready.encode(), now: now, port: port)
        #expect(port.trained == [1, 2, 3] && state.waiting == nil)
    }

    @Test("results of a cancelled attempt are not forwarded; a result the link cannot take is held, and the trainer waits")
    func cancelAndHold() throws {
        let port = Port()
        let now = ContinuousClock.now
        var state = try Self.welcomed(now: now, port: port)
        _ = try state.received(Self.assign(5), now: now, port: port)
        _ = try state.received(.cancel(trial: 5, attempt: 1), now: now, port: port)
        #expect(port.cancelledUpTo == 1)
        try state.fromTrainer(Self.done(5), now: now, port: port)
        #expect(port.forwarded.isEmpty)
        try state.fromTrainer(WireMessage.ready.encode(), now: now, port: port)
        _ = try state.received(Self.assign(6), now: now, port: port)
        port.accepting = false
        try state.fromTrainer(Self.done(6), now: now, port: port)
        #expect(state.held == Self.done(6))
        state.flushHeld(now: now, port: port)
        #expect(state.held != nil)
        port.accepting = true
        state.flushHeld(now: now, port: port)
        #expect(state.held == nil && port.forwarded == [Self.done(6)])
    }

    @Test("a coordinator that declared the worker dead asks it to greet again: it does, drops its void trial, and works on")
    func rejoin() throws {
        let port = Port()
        var now = ContinuousClock.now
        var state = try Self.welcomed(now: now, port: port)
        _ = try state.received(Self.assign(9), now: now, port: port)
        _ = port.take()
        // Stopped for a while; on waking, the coordinator answers its heartbeat with an unasked WELCOME.
        now += .seconds(8)
        _ = try state.received(.heartbeat, now: now, port: port)
        _ = try state.received(Self.welcome, now: now, port: port)
        #expect(port.take() == ["HELLO"] && port.cancelledUpTo == 1 && state.awaitingWelcome)
        _ = try state.received(Self.welcome, now: now, port: port)
        try state.fromTrainer(WireMessage.ready.encode(), now: now, port: port)
        _ = state.housekeeping(now: now, port: port)
        #expect(port.take() == ["READY"])
    }

    @Test("a WELCOME answering a repeated HELLO changes nothing")
    func repeatedWelcome() throws {
        let port = Port()
        let now = ContinuousClock.now
        var state = try Self.welcomed(now: now, port: port)
        _ = try state.received(Self.assign(3), now: now, port: port)
        _ = try state.received(Self.welcome, now: now + .seconds(1), port: port)
        #expect(port.take().isEmpty && port.cancelledUpTo == 0 && !state.awaitingWelcome)
    }

    @Test("a restarted coordinator (another session) voids the running trial")
    func restartedCoordinator() throws {
        let port = Port()
        var now = ContinuousClock.now
        var state = try Self.welcomed(now: now, port: port)
        _ = try state.received(Self.assign(4), now: now, port: port)
        now += .seconds(4)
        _ = state.housekeeping(now: now, port: port)  // silent for 3 heartbeats: greets again
        #expect(port.take().contains("HELLO") && state.session == nil)
        _ = try state.received(.welcome(session: 2, heartbeatMilliseconds: 1000, liveness: 3), now: now, port: port)
        #expect(port.cancelledUpTo == 1 && state.session == 2)
    }

    @Test("SHUTDOWN ends a worker (exit 0), or with --stay sends it back to greeting; no coordinator for --patience ends it with 75")
    func endings() throws {
        let port = Port()
        var now = ContinuousClock.now
        var leaving = Self.state(now: now)
        leaving.greet(now: now, port: port)
        _ = try leaving.received(Self.welcome, now: now, port: port)
        #expect(try leaving.received(.shutdown(reason: "done"), now: now, port: port) == 0)
        var staying = Self.state(stay: true, patience: nil, now: now)
        staying.greet(now: now, port: port)
        _ = try staying.received(Self.welcome, now: now, port: port)
        #expect(try staying.received(.shutdown(reason: "done"), now: now, port: port) == nil && staying.session == nil)
        var alone = Self.state(patience: 10, now: now)
        alone.greet(now: now, port: port)
        now += .seconds(11)
        #expect(alone.housekeeping(now: now, port: port) == WorkerOptions.noCoordinatorExitStatus)
    }

    @Test("a worker with no coordinator says so after its first greeting goes unanswered, then every minute; welcomed, it stops")
    func waitingNotes() throws {
        let port = Port(), log = LogLines()
        var now = ContinuousClock.now
        var options = WorkerOptions(endpoint: "tcp://coordinator:5555")
        options.patience = 3600
        var state = Worker.State(options: options, logger: Logger(label: "worker") { _ in LogLines.Handler(lines: log) }, now: now)
        state.greet(now: now, port: port)
        for _ in 0..<(150 * 4) {  // housekeeping every quarter second for 150 s
            now += .milliseconds(250)
            #expect(state.housekeeping(now: now, port: port) == nil)
        }
        let notes = log.all.filter { $0.contains("waiting for a coordinator at tcp://coordinator:5555") }
        #expect(notes.count == 3 && notes[0].hasPrefix("notice") && notes[0].contains("(3 s so far; leaving after 3600 s)"), "\(log.all)")
        #expect(notes[1].contains("(63 s so far") && notes[2].contains("(123 s so far"))
        _ = try state.received(Self.welcome, now: now, port: port)
        now += .seconds(30)
        _ = state.housekeeping(now: now, port: port)
        #expect(log.all.filter { $0.contains("waiting for a coordinator") }.count == 3)
    }
}

/// The training thread's cache of the last configuration read (ASSIGNs that differ only in their seed).
@Suite struct ConfigurationCacheTests {
    @Test("configurations that differ only in their seed are read from the cache as the full reader reads them; any other text is read afresh")
    func readsAsTheReaderDoes() throws {
        var cache = TrainingThread.ConfigurationCache()
        var other = TrialConfig()
        other.hidden = 8
        let texts = [0, 1, 10, 12345, UInt64.max].map { seed in
            var config = TrialConfig()
            config.seed = seed
            return config.canonicalJSON()
        } + [other.canonicalJSON(), TrialConfig().canonicalJSON()]
        for text in texts {
            let (config, canonical) = try cache.read(text)
            #expect(config == (try TrialConfig(flatJSON: text)))
            #expect(canonical == text && canonical == config.canonicalJSON())
        }
        // A seed written otherwise than canonically is read, and its canonical form differs (the trial id check then fails).
        let padded = TrialConfig().canonicalJSON().replacingOccurrences(of: "\"seed\":0", with: "\"seed\":007")
        let (config, canonical) = try cache.read(padded)
        #expect(config.seed == 7 && canonical != padded)
        #expect(throws: (any Error).self) { try cache.read(padded.replacingOccurrences(of: "\"seed\":007", with: "\"seed\":x")) }
    }
}
