import Glibc
import TrainingCore
import ZeroMQ

/// How a coordinator listens and when it gives up on a worker or a trial.
public struct CoordinatorOptions: Sendable {
    /// The ZeroMQ endpoint workers connect to, e.g. `tcp://0.0.0.0:5555` (`tcp://127.0.0.1:0`
    /// picks a free port).
    public var bind: String
    /// Heartbeats both ways every this many milliseconds …
    public var heartbeatMilliseconds = WireProtocol.defaultHeartbeatMilliseconds
    /// … and a peer silent for this many intervals is dead.
    public var liveness = WireProtocol.defaultLiveness
    /// A trial whose attempts failed this many times (dead worker, error, timeout) is `failed`.
    public var maximumAttempts = 3
    /// A running trial that sends nothing for this many seconds is cancelled and retried.
    public var trialTimeout: Double?
    /// CURVE: encrypt every connection with this key pair and admit only workers whose public
    /// keys are listed (nil: plain connections, anyone may join).
    public var curve: (keys: CurveKeyPair, authorized: [(key: String, name: String)])?

    public init(bind: String) { self.bind = bind }
}

/// What a coordinator's run came to.
public struct CoordinatorReport: Sendable {
    public var completed = 0
    public var diverged = 0
    public var failed = 0
    public var pending = 0
    /// Stopped by a signal before the end.
    public var interrupted = false
    /// Messages dropped, by reason.
    public var rejected: [String: Int] = [:]
}

/// The coordinator: one ROUTER socket and one poll loop over `State`. Workers pull trials (READY),
/// stream metrics and report the end; the coordinator writes everything to the `ResultStore`,
/// watches heartbeats, and gives a dead worker's trial to another with the attempt number
/// raised — results of any other attempt are dropped. Everything happens on the thread that
/// created it.
public final class Coordinator {
    /// Where the loop stands. Only the loop changes it.
    struct State {
        /// Per trial of the plan, in plan order.
        var trials: [TrialState]
        /// Trials waiting for a worker, oldest first; retried trials join at the back.
        var queue: IndexQueue<Int>
        /// Connected workers, by routing id.
        var workers: [[UInt8]: WorkerState] = [:]
        /// Workers with an unanswered READY, in the order they asked (may hold ids since gone or
        /// answered; skipped).
        var idle = IndexQueue<[UInt8]>()
        /// Trials that finished (this run or before), and of those the diverged and failed ones.
        var finished = 0, diverged = 0, failed = 0
        /// Dropped messages by reason: in all, and since they were last reported.
        var rejected: [String: Int] = [:], rejectedSinceReport: [String: Int] = [:]
        /// CURVE handshakes that failed (a peer without CURVE, or with the wrong server key) since
        /// the last report, by peer address.
        var handshakeFailures: [String: Int] = [:]
        /// When dropped messages, refusals and failed handshakes were last logged (every 5 s at most).
        var lastReport = ContinuousClock.now
        /// Replies the coordinator may still send to peers it does not know, refilled at 100 per
        /// second: a flood of strangers cannot make it flood back.
        var strangerReplies = 100.0
        var lastRefill = ContinuousClock.now
        /// When the last group of finished trials was committed to disk.
        var lastCommit = ContinuousClock.now
    }

    struct TrialState {
        enum Status { case pending, running, finished }
        var status: Status = .pending
        /// The current (or last) attempt; results carrying another number are stale.
        var attempt = 0
        /// Attempts lost to a dead worker, an error or a timeout.
        var failures = 0
        /// The worker running the current attempt.
        var worker: [UInt8]?
        /// METRICS batches received from the current attempt (the next expected sequence number).
        var batches = 0
        /// Unix time the current attempt was handed out.
        var started = 0.0
        /// When the current attempt last sent something (for --trial-timeout).
        var lastHeard = ContinuousClock.now
    }

    struct WorkerState {
        var host: String
        var pid: Int
        /// When it last sent anything, and when it was last sent anything.
        var lastSeen: ContinuousClock.Instant
        var lastSent: ContinuousClock.Instant
        /// The trials it holds, in the order given: the first runs, the next waits its turn.
        var held: [Int] = []
        /// READYs not yet answered with a trial.
        var credits = 0
        var name: String { "\(host)/\(pid)" }
    }

    public let store: ResultStore
    public let options: CoordinatorOptions
    let console: Console
    let socket: Socket
    /// With CURVE: the authentication handler, and a monitor that reports failed handshakes.
    let zap: ZAPHandler?
    let monitor: Monitor?
    /// The bound endpoint, with the port chosen when the request was port 0.
    public let endpoint: String
    /// The file in the output folder that holds, while the coordinator runs, the endpoint other
    /// machines connect to (`endpoint` with a wildcard address replaced by the host name).
    public static let endpointFileName = "coordinator.endpoint"
    /// New at every start: lets workers tell a restarted coordinator from the one they knew.
    let session: UInt64
    var state: State
    private let clock = ContinuousClock()
    private let started = ContinuousClock.now

    public init(store: ResultStore, options: CoordinatorOptions, console: Console) throws {
        self.store = store
        self.options = options
        self.console = console
        (socket, endpoint, zap, monitor) = try Self.bind(options)
        var random = RandomStream(seed: UInt64(getpid()) ^ UInt64(bitPattern: Int64(Self.unixTime() * 1e6)), purpose: .sweepSampling)
        session = random.next()
        var trials = [TrialState](repeating: TrialState(), count: store.plan.trials.count)
        var queue: [Int] = []
        var state = State(trials: [], queue: IndexQueue())
        for index in trials.indices {
            if let entry = store.finished[index], entry.kind == .done {
                trials[index].status = .finished
                state.finished += 1
                if entry.outcome?.status == .diverged { state.diverged += 1 }
            } else {
                queue.append(index)  // pending, or failed in an earlier run: tried again
            }
        }
        state.trials = trials
        state.queue = IndexQueue(queue)
        self.state = state
    }

    /// The ROUTER socket, bound; the endpoint it is bound to; with CURVE, the ZAP handler (bound
    /// first, so that no connection slips past it) and a handshake monitor.
    static func bind(_ options: CoordinatorOptions) throws -> (Socket, String, ZAPHandler?, Monitor?) {
        let context = try Context()
        let zap = try options.curve.map { try ZAPHandler(context: context, authorized: $0.authorized) }
        let socket = try Socket(context, .router)
        try socket.setLinger(milliseconds: 2000)  // let SHUTDOWN reach the workers
        try socket.setMaximumMessageSize(WireProtocol.maximumFrameBytes)
        try socket.setRouterMandatory(true)
        try socket.setRouterHandover(true)
        // Per peer: messages queued each way before it is made to wait (or, sending, skipped).
        try socket.setHighWaterMarks(send: 1000, receive: 1000)
        if let curve = options.curve {
            try socket.setCurveServer(secretKey: curve.keys.secretKey)
            try socket.setZAPDomain("depthfarm")
        }
        let monitor = try options.curve.map { _ in
            try Monitor(socket, endpoint: "inproc://depthfarm-coordinator-monitor", kinds: [.handshakeFailedProtocol, .handshakeFailedNoDetail])
        }
        do {
            try socket.bind(options.bind)
        } catch {
            throw InputError("--bind \(options.bind)", String(cString: strerror(error.errno)))
        }
        return (socket, try socket.lastEndpoint, zap, monitor)
    }

    static func unixTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }

    var interval: Duration { .milliseconds(options.heartbeatMilliseconds) }

    /// Runs until every trial has finished or `shouldStop` says so; then tells the workers to leave
    /// and rebuilds the derived files.
    public func run(shouldStop: () -> Bool) throws -> CoordinatorReport {
        // Where workers started later (a Slurm job array, say) find this coordinator.
        let endpointFile = store.folder + "/" + Self.endpointFileName
        try FileSystem.writeAtomically(Endpoint.advertised(endpoint, host: WorkerOptions.hostName()) + "\n", to: endpointFile)
        defer { unlink(endpointFile) }
        var interrupted = false
        while state.finished < state.trials.count {
            if shouldStop() {
                interrupted = true
                break
            }
            let wait = max(1, min(options.heartbeatMilliseconds / 4, 250))
            let readable = try Poller.readable([socket] + (zap.map { [$0.socket] } ?? []), timeoutMilliseconds: wait)
            if readable.count > 1 && readable[1] { try zap?.answer() }
            while let event = try monitor?.next() {
                state.handshakeFailures[event.endpoint, default: 0] += 1
            }
            if readable[0] {
                // Drain what is waiting, within limits, so that housekeeping keeps its pace.
                for _ in 0..<10_000 {
                    guard let (frames, truncated) = try socket.receive(maximumFrames: WireProtocol.maximumFrames + 1) else { break }
                    handle(frames, truncated: truncated)
                }
            }
            try dispatch()
            try housekeeping()
        }
        try store.commit()
        report(clock.now)
        for id in Array(state.workers.keys) {
            send(.shutdown(reason: interrupted ? "the coordinator is stopping" : "the sweep is complete"), to: id)
        }
        store.removeSpool()  // the running attempts' rows, if any: they will run again
        console.clearProgress()
        try ResultFiles.writeAll(store)
        var report = CoordinatorReport()
        report.completed = state.finished - state.diverged - state.failed
        report.diverged = state.diverged
        report.failed = state.failed
        report.pending = state.trials.count - state.finished
        report.interrupted = interrupted
        report.rejected = state.rejected
        return report
    }

    // MARK: Messages

    func handle(_ frames: [[UInt8]], truncated: Bool) {
        guard let id = frames.first else { return }
        guard !truncated else {
            reject("more than \(WireProtocol.maximumFrames) frames")
            return
        }
        let message: WireMessage
        do {
            message = try WireMessage.decode(Array(frames.dropFirst()))
        } catch {
            reject(error.reason)
            return
        }
        let now = clock.now
        if case .hello(let host, let pid, let version) = message {
            guard state.workers[id] != nil || state.workers.count < Self.maximumWorkers else {
                reject("greeting beyond \(Self.maximumWorkers) workers")
                return
            }
            // Greeting again is harmless: a worker that found us silent greets again and keeps its trial.
            if state.workers[id] == nil {
                state.workers[id] = WorkerState(host: host, pid: pid, lastSeen: now, lastSent: now)
            }
            if version != DepthFarmVersion.current {
                console.log("worker \(host)/\(pid) runs depthfarm \(version), this coordinator \(DepthFarmVersion.current)")
            }
            send(.welcome(session: session, heartbeatMilliseconds: options.heartbeatMilliseconds, liveness: options.liveness), to: id)
            return
        }
        guard state.workers[id] != nil else {
            // Not greeted (a worker of an earlier coordinator, or a stranger): ask it to greet.
            reject("\(message.command) from a peer that did not say HELLO")
            if mayReplyToStranger() {
                send(.welcome(session: session, heartbeatMilliseconds: options.heartbeatMilliseconds, liveness: options.liveness), to: id)
            }
            return
        }
        state.workers[id]!.lastSeen = now
        switch message {
        case .ready:
            let worker = state.workers[id]!
            guard worker.held.count + worker.credits < Self.maximumHeld else {
                reject("READY beyond \(Self.maximumHeld) trials")
                return
            }
            state.workers[id]!.credits += 1
            state.idle.push(id)
        case .heartbeat:
            break
        case .metrics(let trial, let attempt, let sequence, let records):
            guard let index = current(trial, attempt, from: id) else { return }
            guard sequence == state.trials[index].batches else {
                reject("METRICS out of sequence")
                return
            }
            do {
                try store.appendMetrics(index, attempt: attempt, records: WireProtocol.records(records))
            } catch {
                fatal = error
                return
            }
            state.trials[index].batches += 1
            state.trials[index].lastHeard = now
        case .done(let trial, let attempt, let batches, let outcome):
            guard let index = current(trial, attempt, from: id) else { return }
            release(index, from: id)
            guard batches == state.trials[index].batches else {
                lose(index, failure: true, reason: "\(state.trials[index].batches) of its \(batches) metric batches arrived")
                return
            }
            let t = state.trials[index]
            do {
                try store.completeAttempt(index, entry: Journal.Entry(kind: .done, trial: trial, attempt: attempt, failures: t.failures,
                                                                       outcome: outcome, rows: nil, error: nil, host: state.workers[id]!.host,
                                                                       started: t.started, finished: Self.unixTime()))
            } catch {
                fatal = error
                return
            }
            finish(index, diverged: outcome.status == .diverged)
        case .failed(let trial, let attempt, let error):
            guard let index = current(trial, attempt, from: id) else { return }
            release(index, from: id)
            lose(index, failure: true, reason: "it failed on \(state.workers[id]!.name): \(error)", error: error)
        case .bye(let reason):
            let worker = state.workers.removeValue(forKey: id)!
            for index in worker.held { lose(index, failure: false, reason: "its worker \(worker.name) left (\(reason))") }
        case .hello, .welcome, .assign, .cancel, .shutdown:
            reject("\(message.command) sent to the coordinator")
        }
    }

    /// The plan index of `trial` if `attempt` is its current attempt and `worker` runs it;
    /// otherwise counts the message as stale and returns nil.
    func current(_ trial: UInt64, _ attempt: Int, from worker: [UInt8]) -> Int? {
        guard let index = store.indexOfTrial[trial] else {
            reject("unknown trial")
            return nil
        }
        let t = state.trials[index]
        guard t.status == .running, t.attempt == attempt, t.worker == worker else {
            reject("stale attempt")
            return nil
        }
        return index
    }

    /// Takes a trial off its worker; the worker's next trial, if one waits, starts now.
    func release(_ index: Int, from id: [UInt8]) {
        guard var worker = state.workers[id], let position = worker.held.firstIndex(of: index) else { return }
        worker.held.remove(at: position)
        if position == 0, let next = worker.held.first {
            state.trials[next].started = Self.unixTime()
            state.trials[next].lastHeard = clock.now
        }
        state.workers[id] = worker
    }

    /// A worker is gone: the trial it was running is a lost attempt, those waiting simply go back.
    func drop(_ worker: WorkerState, reason: String) {
        for (position, index) in worker.held.enumerated() {
            lose(index, failure: position == 0, reason: "its worker \(worker.name) \(reason)")
        }
    }

    /// A write to the output folder failed: the run stops with this error.
    var fatal: (any Error)?

    /// Workers the coordinator keeps track of at most; more greetings are dropped.
    static let maximumWorkers = 10_000
    /// Trials a worker may hold: one running and one waiting (workers ask for the second only
    /// when their trials are short, to hide the round trip).
    static let maximumHeld = 2

    // MARK: Trials

    func finish(_ index: Int, diverged: Bool) {
        state.trials[index].status = .finished
        state.trials[index].worker = nil
        state.finished += 1
        if diverged { state.diverged += 1 }
    }

    /// The current attempt of a running trial is lost: the trial goes back to the queue, or fails
    /// for good once `maximumAttempts` attempts failed.
    func lose(_ index: Int, failure: Bool, reason: String, error: String? = nil) {
        var t = state.trials[index]
        guard t.status == .running else { return }
        if let worker = t.worker { release(index, from: worker) }
        store.abandonAttempt(index)
        t.worker = nil
        if failure { t.failures += 1 }
        let id = SweepPlan.hex(store.plan.trials[index].id)
        if t.failures >= options.maximumAttempts {
            t.status = .finished
            state.trials[index] = t
            state.finished += 1
            state.failed += 1
            console.log("trial \(id) failed: \(reason) (attempt \(t.attempt) of \(options.maximumAttempts))")
            store.recordFailure(index, entry: Journal.Entry(kind: .failed, trial: store.plan.trials[index].id, attempt: t.attempt,
                                                            failures: t.failures, outcome: nil, rows: nil, error: error ?? reason, host: "",
                                                            started: t.started, finished: Self.unixTime()))
        } else {
            t.status = .pending
            state.trials[index] = t
            state.queue.push(index)
            console.log("trial \(id) goes back to the queue: \(reason)")
        }
    }

    /// Hands queued trials to workers that asked for them.
    func dispatch() throws {
        while !state.queue.isEmpty, let id = state.idle.pop() {
            guard let worker = state.workers[id], worker.credits > 0 else { continue }
            let index = state.queue.pop()!
            let trial = store.plan.trials[index]
            var t = state.trials[index]
            t.attempt += 1
            t.status = .running
            t.worker = id
            t.batches = 0
            t.started = Self.unixTime()  // restarted when it reaches the head of the worker's trials
            t.lastHeard = clock.now
            state.trials[index] = t
            state.workers[id]!.held.append(index)
            state.workers[id]!.credits -= 1
            try store.startAttempt(index, attempt: t.attempt)
            send(.assign(trial: trial.id, attempt: t.attempt, configuration: configurationJSON(of: trial)), to: id)
        }
    }

    /// The canonical JSON of a trial's configuration. Trials come configuration by configuration,
    /// so the text around the seed is kept for the last configuration seen.
    func configurationJSON(of trial: SweepPlan.Trial) -> String {
        if cachedConfiguration?.index != trial.configuration {
            let text = store.plan.config(of: SweepPlan.Trial(id: 0, configuration: trial.configuration, seed: 0)).canonicalJSON()
            let seed = text.range(of: "\"seed\":0")!
            cachedConfiguration = (trial.configuration, String(text[..<seed.lowerBound]) + "\"seed\":", String(text[seed.upperBound...]))
        }
        let (_, prefix, suffix) = cachedConfiguration!
        return prefix + String(trial.seed) + suffix
    }

    private var cachedConfiguration: (index: Int32, prefix: String, suffix: String)?

    /// Sends a message to a worker; a worker that cannot be reached is dropped.
    func send(_ message: WireMessage, to id: [UInt8]) {
        do {
            guard try socket.send([id] + message.encode()) else { return }  // its queue is full: heartbeats will tell
            state.workers[id]?.lastSent = clock.now
        } catch {
            // EHOSTUNREACH: the peer is gone (its connection closed: it died or left without BYE).
            if let worker = state.workers.removeValue(forKey: id) { drop(worker, reason: "disconnected") }
        }
    }

    func reject(_ reason: String) {
        state.rejected[reason, default: 0] += 1
        state.rejectedSinceReport[reason, default: 0] += 1
    }

    /// Logs what was dropped or refused since the last report.
    func report(_ now: ContinuousClock.Instant) {
        state.lastReport = now
        if !state.rejectedSinceReport.isEmpty {
            let total = state.rejectedSinceReport.values.reduce(0, +)
            let reasons = state.rejectedSinceReport.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }
            console.log("dropped \(total) message\(total == 1 ? "" : "s"): \(reasons.joined(separator: ", "))")
            state.rejectedSinceReport = [:]
        }
        if let refusals = zap?.takeRefusals() { console.log(refusals) }
        if !state.handshakeFailures.isEmpty {
            let total = state.handshakeFailures.values.reduce(0, +)
            console.log("\(total) CURVE handshake\(total == 1 ? "" : "s") failed on "
                        + state.handshakeFailures.keys.sorted().joined(separator: ", ") + " (peers without CURVE, or with the wrong server key)")
            state.handshakeFailures = [:]
        }
    }

    /// Whether a reply to a stranger may be sent now (and takes its token).
    func mayReplyToStranger() -> Bool {
        let now = clock.now
        state.strangerReplies = min(100, state.strangerReplies + seconds(now - state.lastRefill) * 100)
        state.lastRefill = now
        guard state.strangerReplies >= 1 else { return false }
        state.strangerReplies -= 1
        return true
    }

    // MARK: Housekeeping

    func housekeeping() throws {
        if let fatal { throw fatal }
        let now = clock.now
        let deadline = interval * options.liveness
        for (id, worker) in state.workers {
            if now - worker.lastSeen > deadline {
                state.workers.removeValue(forKey: id)
                console.log("worker \(worker.name) is silent for \(options.liveness) heartbeats: dropped")
                drop(worker, reason: "died")
            } else if now - worker.lastSent >= interval {
                send(.heartbeat, to: id)
            }
        }
        if let timeout = options.trialTimeout {
            // Only the trial each worker runs; one waiting behind it has not started.
            for worker in state.workers.values {
                guard let index = worker.held.first else { continue }
                let t = state.trials[index]
                guard seconds(now - t.lastHeard) > timeout, let worker = t.worker else { continue }
                send(.cancel(trial: store.plan.trials[index].id, attempt: t.attempt), to: worker)
                lose(index, failure: true, reason: "it sent nothing for \(timeout) s (--trial-timeout)")
            }
        }
        if store.hasUncommitted && (now - state.lastCommit > .milliseconds(50) || state.finished == state.trials.count) {
            try store.commit()
            state.lastCommit = now
        }
        if now - state.lastReport > .seconds(5) { report(now) }
        console.progress { progressLine() }
    }

    func progressLine() -> String {
        let total = state.trials.count
        let running = state.trials.count - state.finished - state.queue.count
        let elapsed = seconds(clock.now - started)
        let doneHere = state.finished - initialFinished
        let rate = elapsed > 0 ? Double(doneHere) / elapsed : 0
        var line = "[\(state.finished)/\(total)] running \(running), workers \(state.workers.count), failed \(state.failed), diverged \(state.diverged)"
        line += ", \(Self.format(rate)) trials/s"
        if rate > 0 { line += ", ETA \(Self.duration(Double(total - state.finished) / rate))" }
        return line
    }

    private lazy var initialFinished = state.finished

    static func format(_ rate: Double) -> String {
        rate >= 100 ? String(Int(rate.rounded())) : String(Double(Int(rate * 10)) / 10)
    }

    /// A duration for people: 42s, 3m7s, 2h5m.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
