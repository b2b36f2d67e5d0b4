import Glibc
import Logging
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
    /// Workers send a checkpoint every this many epochs, so that a lost attempt resumes from
    /// the latest (nil: only where a search pauses a trial).
    public var checkpointEvery: Int?
    /// CURVE: encrypt every connection with this key pair and admit only workers whose public
    /// keys are listed (nil: plain connections, anyone may join).
    public var curve: (keys: CurveKeyPair, authorized: [(key: String, name: String)])?

    public init(bind: String) { self.bind = bind }
}

/// What a coordinator's run came to.
public struct CoordinatorReport: Sendable {
    /// Every trial of the plan, by status.
    public var counts = TrialCounts()
    /// Stopped by a signal before the end.
    public var interrupted = false
    /// Messages dropped, by reason.
    public var rejected: [String: Int] = [:]
}

/// The coordinator could not listen where it was asked to.
public struct BindError: Error, Equatable {
    public let endpoint: String
    public let errno: Int32
}

/// The coordinator: one ROUTER socket and one poll loop over `State`, which holds all the logic
/// (see `Coordinator+State.swift`). Workers pull trials (READY), stream metrics and report the
/// end; the loop feeds their messages to the state, sends what it answers, and lets it keep
/// time. Everything happens on the thread that created it.
public final class Coordinator {
    public let store: ResultStore
    let socket: Socket
    /// With CURVE: the authentication handler, and a monitor that reports failed handshakes.
    let zap: ZAPHandler?
    let monitor: Monitor?
    /// The bound endpoint, with the port chosen when the request was port 0.
    public let endpoint: String
    /// The file in the output folder that holds, while the coordinator runs, the endpoint other
    /// machines connect to (`endpoint` with a wildcard address replaced by the host name).
    public static let endpointFileName = "coordinator.endpoint"
    let console: Console
    var state: State
    /// The latest view of the sweep, for a live page (`--dashboard`) to read on its own threads.
    public let live = LiveStatusBox()
    /// When a snapshot was last published to `live` (and how many trials had finished then), and
    /// when `coordinator.status` was last written; whether writing it failed (said once).
    var lastPublished = ContinuousClock.now, publishedFinished = -1
    var lastStatusFile = ContinuousClock.now
    var statusFileFailed = false
    /// Snapshots are made at most this often while trials finish, and at least …
    static let publishInterval = Duration.milliseconds(250)
    /// … this often regardless (heartbeat ages, epochs of running trials); the status file is
    /// written at most every `statusFileInterval`.
    static let refreshInterval = Duration.seconds(1)
    static let statusFileInterval = Duration.seconds(2)

    public init(store: ResultStore, options: CoordinatorOptions, console: Console, logger: Logger) throws {
        self.store = store
        self.console = console
        (socket, endpoint, zap, monitor) = try Self.bind(options)
        // New at every start, and unpredictable: lets workers tell a restarted coordinator from
        // the one they knew.
        var random = SystemRandomNumberGenerator()
        state = State(store: store, options: options, session: random.next(), logger: logger, now: ContinuousClock.now)
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
        // Few on the way in: while a peer's queue is full libzmq reads nothing more from its
        // connection — the worker's ZMTP heartbeat (PING) included — so a full queue must drain
        // well within the worker's heartbeat timeout (3 s): 100 METRICS of 172 KiB take about
        // 0.3 s to store, 1,000 took 3 s, and a fast trial's connection was dropped with its rows.
        try socket.setHighWaterMarks(send: 1000, receive: 100)
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
            throw BindError(endpoint: options.bind, errno: error.errno)
        }
        return (socket, try socket.lastEndpoint, zap, monitor)
    }

    /// Runs until every trial has finished or `shouldStop` says so; then tells the workers to leave
    /// and rebuilds the derived files.
    public func run(shouldStop: () -> Bool) throws -> CoordinatorReport {
        // Where workers started later (a Slurm job array, say) find this coordinator.
        let endpointFile = store.folder + "/" + Self.endpointFileName
        try FileSystem.writeAtomically(Endpoint.advertised(endpoint, host: WorkerOptions.hostName()) + "\n", to: endpointFile)
        defer { unlink(endpointFile) }
        // What `depthfarm status` reads while this runs; gone when it ends.
        defer { unlink(store.folder + "/" + LiveStatus.fileName) }
        var interrupted = false
        let wait = max(1, min(state.options.heartbeatMilliseconds / 4, 250))
        try state.refill()
        publishLiveStatus(now: ContinuousClock.now, force: true)
        while !state.isComplete {
            if shouldStop() {
                interrupted = true
                break
            }
            let readable = try Poller.readable([socket] + (zap.map { [$0.socket] } ?? []), timeoutMilliseconds: wait)
            if readable.count > 1 && readable[1] { try zap?.answer() }
            while let event = try monitor?.next() {
                state.handshakeFailures[event.endpoint, default: 0] += 1
            }
            if readable[0] {
                // Drain what is waiting for at most a quarter heartbeat, so that housekeeping keeps its
                // pace: a worker streaming rows faster than they can be stored must still hear
                // heartbeats (METRICS of 8192 records take milliseconds each to store).
                let drainUntil = ContinuousClock.now + .milliseconds(wait)
                for _ in 0..<10_000 {
                    guard let (frames, truncated) = try socket.receive(maximumFrames: WireProtocol.maximumFrames + 1) else { break }
                    state.handle(frames, truncated: truncated, now: ContinuousClock.now)
                    try sendOutbox()
                    if ContinuousClock.now > drainUntil { break }
                }
            }
            try state.dispatch(now: ContinuousClock.now)
            try sendOutbox()
            let now = ContinuousClock.now
            try state.housekeeping(now: now)
            if now - state.lastReport > .seconds(5) { state.report(now: now, refusals: zap?.takeRefusals()) }
            try sendOutbox()
            publishLiveStatus(now: now)
            console.progress { console.isTerminal ? state.progressBlock(now: ContinuousClock.now) : state.plainProgressLine(now: ContinuousClock.now) }
        }
        try store.commit()
        live.publish(state.liveStatus(now: ContinuousClock.now, pid: getpid()))
        state.report(now: ContinuousClock.now, refusals: zap?.takeRefusals())
        state.shutdownAll(reason: interrupted ? "the coordinator is stopping" : "the sweep is complete")
        try sendOutbox()
        store.removeSpool()  // the running attempts' rows, if any: they will run again
        console.clearProgress()
        do {
            try store.compactRows()
        } catch {
            // The rows stay as they are (in finish order, every one whole): metrics.csv is then written as a copy.
            state.logger.warning("could not put completed.csv in sweep order: \(error)")
        }
        try ResultFiles.writeAll(store)
        return CoordinatorReport(counts: store.counts, interrupted: interrupted, rejected: state.rejected)
    }

    /// Hands a snapshot of the state to `live` — on the first call, when trials have finished
    /// (at most every `publishInterval`) and every `refreshInterval` — and writes it to
    /// `coordinator.status` every `statusFileInterval`. A status file that cannot be written is
    /// said once and does not stop the sweep.
    func publishLiveStatus(now: ContinuousClock.Instant, force: Bool = false) {
        let sincePublished = now - lastPublished
        guard force || sincePublished >= Self.refreshInterval
            || (state.counts.finished != publishedFinished && sincePublished >= Self.publishInterval) else { return }
        // A snapshot claims no finished trial the folder does not hold yet (the live page reads the
        // folder for its figures): results are committed in groups within 50 ms.
        guard force || !store.hasUncommitted || sincePublished >= Self.refreshInterval * 2 else { return }
        let status = state.liveStatus(now: now, pid: getpid())
        live.publish(status)
        lastPublished = now
        publishedFinished = state.counts.finished
        guard force || now - lastStatusFile >= Self.statusFileInterval else { return }
        lastStatusFile = now
        do {
            try status.write(folder: store.folder)
        } catch {
            if !statusFileFailed { state.logger.warning("\(error) (depthfarm status will not list the workers)") }
            statusFileFailed = true
        }
    }

    /// Sends what the state has queued; a worker that cannot be reached is dropped (which may
    /// queue more).
    func sendOutbox() throws {
        while !state.outbox.isEmpty {
            let messages = state.outbox
            state.outbox.removeAll(keepingCapacity: true)
            for (id, message) in messages {
                do {
                    guard try socket.send([id] + message.encode()) else { continue }  // its queue is full: heartbeats will tell
                    state.sent(to: id, now: ContinuousClock.now)
                } catch {
                    // EHOSTUNREACH: the peer is gone (its connection closed: it died or left without BYE).
                    state.unreachable(id)
                }
            }
        }
        if let fatal = state.fatal { throw fatal }
    }
}
