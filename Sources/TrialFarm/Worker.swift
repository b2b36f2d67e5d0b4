import Foundation
import Glibc
import Synchronization
import TrainingCore
import ZeroMQ

/// How a worker finds its coordinator.
public struct WorkerOptions: Sendable {
    /// The coordinator's endpoint, e.g. `tcp://10.0.0.1:5555`.
    public var endpoint: String
    /// After the coordinator says the sweep is over, wait for the next coordinator instead of leaving.
    public var stay = false
    /// Leave after this many seconds without a coordinator (nil: never).
    public var patience: Double? = 3600
    /// The host name the worker reports (default: this machine's).
    public var host = WorkerOptions.hostName()
    /// CURVE: the coordinator's public key and this worker's key pair (nil: a plain connection).
    public var curve: (serverKey: String, keys: CurveKeyPair)?

    public init(endpoint: String) { self.endpoint = endpoint }

    /// The exit status of a worker that left because no coordinator answered for `patience`
    /// (sysexits' EX_TEMPFAIL: try again later), so that scripts can tell it from an error.
    public static let noCoordinatorExitStatus: Int32 = 75

    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A worker process: one thread keeps the DEALER socket to the coordinator (greeting, heartbeats,
/// forwarding), another trains one trial at a time, so heartbeats flow however long a trial takes.
/// The threads talk over an inproc PAIR socket pair, each end created on the thread that uses it.
///
/// The DEALER lives as long as the process: libzmq reconnects it when the link drops (250 ms,
/// backing off to 5 s) and queues what is sent meanwhile. When the coordinator falls silent the
/// worker greets it again, every `liveness` heartbeats until it answers; a running trial goes on,
/// since the coordinator drops results it no longer wants (another attempt, or another session).
public final class Worker {
    let options: WorkerOptions
    let console: Console
    let context: Context
    /// Raised to an assignment's generation number to cancel it; read by the training thread.
    let cancellation = Cancellation()
    let trainerEndpoint: String
    /// The routing id the coordinator knows this process by.
    let routingID: [UInt8]

    public init(options: WorkerOptions, console: Console) throws {
        self.options = options
        self.console = console
        context = try Context()
        // An unguessable tag, so that no other peer can take this worker's routing id over.
        var random = SystemRandomNumberGenerator()
        let tag = String(random.next() as UInt64, radix: 36)
        routingID = Array("\(options.host)/\(getpid())/\(tag)".utf8.prefix(200))
        trainerEndpoint = "inproc://depthfarm-trainer-\(tag)"
    }

    /// What the worker knows of its coordinator.
    struct Link {
        /// The session of the coordinator that welcomed us, while it is answering.
        var session: UInt64?
        /// The session of the last coordinator that welcomed us, kept through silences: a
        /// different one means the coordinator restarted and the running trial is void.
        var knownSession: UInt64?
        /// A HELLO is out and unanswered; it is repeated every `liveness` heartbeats.
        var awaitingWelcome = false
        var helloSent = ContinuousClock.now
        var heartbeat = Duration.milliseconds(WireProtocol.defaultHeartbeatMilliseconds)
        var liveness = WireProtocol.defaultLiveness
        var lastSeen = ContinuousClock.now
        var lastSent = ContinuousClock.now
        /// Since when no coordinator has been answering (for `patience`).
        var aloneSince: ContinuousClock.Instant? = ContinuousClock.now
        /// READYs sent and not yet answered with a trial.
        var credits = 0
        var deadline: Duration { heartbeat * liveness }
    }

    /// A trial given to this worker: running on the training thread, or waiting its turn.
    struct Job {
        let generation: Int
        let trial: UInt64
        let attempt: Int
        /// The ASSIGN message, for the training thread.
        let message: [[UInt8]]
        var cancelled = false
    }

    /// Trials shorter than this make the worker ask for the next one while it runs the current,
    /// hiding the round trip to the coordinator; longer ones are asked for one at a time, so that
    /// no trial waits behind a long one while another worker is free.
    static let pipelineBelow = Duration.seconds(1)

    /// Runs until the coordinator ends the sweep (or, with `stay`, forever), `patience` runs out,
    /// or `shouldStop` says so — then hands back any trial (BYE). Returns the exit status.
    public func run(shouldStop: () -> Bool) throws -> Int32 {
        let trainer = try Socket(context, .pair)
        try trainer.setLinger(milliseconds: 0)
        try trainer.bind(trainerEndpoint)
        let trainerFinished = DispatchSemaphore(value: 0)
        let thread = Thread { [context, trainerEndpoint, cancellation] in
            TrainingThread(context: context, endpoint: trainerEndpoint, cancellation: cancellation).run()
            trainerFinished.signal()
        }
        thread.stackSize = 16 << 20
        thread.start()
        defer {
            // Let the training thread close its socket, so that the context can end — which waits
            // (up to the DEALER's linger) until a last BYE or result has really been sent.
            _ = try? trainer.send(WireMessage.shutdown(reason: "worker ending").encode(), wait: false)
            _ = trainerFinished.wait(timeout: .now() + 10)
        }
        let (socket, monitor) = try connect()

        let clock = ContinuousClock()
        var link = Link()
        var job: Job?  // running on the training thread
        var waiting: Job?  // next
        var generation = 0
        var trainerIdle = true
        var pipeline = false  // the last trial was short: keep a second one waiting
        var jobStarted = ContinuousClock.now
        var outbox: [[UInt8]]?  // a message for the coordinator that could not be queued yet

        func send(_ message: WireMessage) -> Bool {
            guard (try? socket.send(message.encode())) == true else { return false }
            link.lastSent = clock.now
            return true
        }
        func greet() {
            link.awaitingWelcome = true
            link.helloSent = clock.now
            _ = send(.hello(host: options.host, pid: Int(getpid()), version: DepthFarmVersion.current))
        }
        func cancelJob() {
            waiting = nil
            guard var current = job, !current.cancelled else { return }
            current.cancelled = true
            job = current
            cancellation.cancel(upTo: current.generation)
        }
        func start(_ next: Job) throws {
            job = next
            trainerIdle = false
            jobStarted = clock.now
            try trainer.send([Array(String(next.generation).utf8)] + next.message, wait: true)
        }
        greet()

        while true {
            if shouldStop() {
                cancelJob()
                _ = send(.bye(reason: "stopped by signal"))
                return 0
            }
            let readable = try Poller.readable([socket, trainer], timeoutMilliseconds: 100)

            // From the coordinator.
            if readable[0] {
                while let (frames, truncated) = try socket.receive(maximumFrames: WireProtocol.maximumFrames + 1) {
                    guard !truncated, let message = try? WireMessage.decode(frames) else { continue }
                    link.lastSeen = clock.now
                    switch message {
                    case .welcome(let session, let milliseconds, let liveness):
                        if link.knownSession != nil && link.knownSession != session { cancelJob() }  // a restarted coordinator
                        if link.awaitingWelcome {
                            link.awaitingWelcome = false
                            link.session = session
                            link.knownSession = session
                            link.heartbeat = .milliseconds(milliseconds)
                            link.liveness = liveness
                            link.aloneSince = nil
                            link.credits = 0
                        } else if session != link.session {
                            // A coordinator that does not know us asks us to greet it.
                            link.session = nil
                            greet()
                        }
                    case .assign(let trial, let attempt, _):
                        link.credits = max(0, link.credits - 1)
                        guard link.session != nil, waiting == nil else {
                            console.log("ignoring an assignment while busy")
                            continue
                        }
                        generation += 1
                        let next = Job(generation: generation, trial: trial, attempt: attempt, message: message.encode())
                        if trainerIdle && job == nil { try start(next) } else { waiting = next }
                    case .cancel(let trial, let attempt):
                        if let next = waiting, next.trial == trial, next.attempt == attempt {
                            waiting = nil
                        } else if let current = job, current.trial == trial, current.attempt == attempt {
                            let next = waiting
                            cancelJob()
                            waiting = next
                        }
                    case .shutdown(let reason):
                        cancelJob()
                        guard options.stay else {
                            console.log("coordinator: \(reason)")
                            return 0
                        }
                        console.log("coordinator: \(reason); waiting for the next one")
                        // Greet again after a while, when the next coordinator may be there.
                        link.session = nil
                        link.credits = 0
                        link.awaitingWelcome = true
                        link.helloSent = clock.now
                    case .heartbeat:
                        break
                    default:
                        continue
                    }
                }
            }

            // A refused key, or a handshake that cannot succeed, does not get better by retrying.
            while let event = try monitor.next() { try handshakeFailed(event) }

            // From the training thread.
            if let frames = outbox, (try? socket.send(frames)) == true {
                link.lastSent = clock.now
                outbox = nil
            }
            if readable[1] && outbox == nil {
                while outbox == nil, let (frames, _) = try trainer.receive() {
                    guard let message = try? WireMessage.decode(frames) else { continue }
                    switch message {
                    case .ready:
                        trainerIdle = true
                        if let finished = job, !finished.cancelled { pipeline = clock.now - jobStarted < Self.pipelineBelow }
                        job = nil
                        if let next = waiting {
                            waiting = nil
                            try start(next)
                        }
                    case .metrics(let trial, let attempt, _, _), .done(let trial, let attempt, _, _), .failed(let trial, let attempt, _):
                        guard let current = job, !current.cancelled, current.trial == trial, current.attempt == attempt else { continue }
                        if (try? socket.send(frames)) == true {
                            link.lastSent = clock.now
                        } else {
                            outbox = frames  // the coordinator's queue is full: hold the trainer back
                        }
                    default:
                        continue
                    }
                }
            }

            // Ask for work; keep the link alive; notice a silent coordinator; give up in the end.
            let now = clock.now
            if link.session != nil {
                // Keep one trial (two, for short trials) given or asked for.
                let held = (job == nil ? 0 : 1) + (waiting == nil ? 0 : 1)
                while outbox == nil && held + link.credits < (pipeline ? 2 : 1) && send(.ready) { link.credits += 1 }
                if now - link.lastSeen > link.deadline {
                    console.log("coordinator at \(options.endpoint) is silent; greeting it again")
                    link.session = nil
                    link.aloneSince = now
                    greet()
                } else if now - link.lastSent >= link.heartbeat {
                    _ = send(.heartbeat)
                }
            } else if link.awaitingWelcome && now - link.helloSent > link.deadline {
                greet()
            }
            if link.session == nil, let since = link.aloneSince, let patience = options.patience, seconds(now - since) > patience {
                console.log("no coordinator at \(options.endpoint) for \(Int(patience)) s: leaving")
                return WorkerOptions.noCoordinatorExitStatus
            }
        }
    }

    /// Turns a failed handshake into the error the user needs.
    func handshakeFailed(_ event: Monitor.Event) throws {
        let location = "--connect \(options.endpoint)"
        switch event.kind {
        case .handshakeFailedAuthentication:
            throw InputError(location, "the coordinator refused this worker's key (add its .public file to the coordinator's --authorized-keys)")
        case .handshakeFailedProtocol, .handshakeFailedNoDetail:
            if options.curve == nil {
                throw InputError(location, "the handshake failed: the coordinator requires CURVE (give --curve-server-key and --curve-secret-key)")
            }
            throw InputError(location, event.kind == .handshakeFailedProtocol
                             ? "the handshake failed: the coordinator does not use CURVE, or speaks another protocol"
                             : "the CURVE handshake failed: is --curve-server-key the coordinator's public key?")
        default:
            return
        }
    }

    /// The DEALER socket to the coordinator, and a monitor of its handshakes.
    func connect() throws -> (Socket, Monitor) {
        let socket = try Socket(context, .dealer)
        try socket.setLinger(milliseconds: 500)
        try socket.setRoutingID(routingID)
        try socket.setMaximumMessageSize(WireProtocol.maximumFrameBytes)
        try socket.setReconnect(interval: 250, maximum: 5000)
        try socket.setHeartbeat(interval: 1000, timeout: 3000, timeToLive: 6000)
        try socket.setHighWaterMarks(send: 1000, receive: 1000)
        if let curve = options.curve {
            try socket.setCurveClient(serverKey: curve.serverKey, publicKey: curve.keys.publicKey, secretKey: curve.keys.secretKey)
        }
        let monitor = try Monitor(socket, endpoint: "inproc://depthfarm-worker-monitor",
                                  kinds: [.handshakeFailedAuthentication, .handshakeFailedProtocol, .handshakeFailedNoDetail])
        do {
            try socket.connect(options.endpoint)
        } catch {
            throw InputError("--connect \(options.endpoint)", String(cString: strerror(error.errno)))
        }
        return (socket, monitor)
    }
}

/// The generation up to which assignments are cancelled, shared by the worker's two threads.
final class Cancellation: Sendable {
    private let generation = Atomic<Int>(0)
    func cancel(upTo value: Int) { _ = generation.max(value, ordering: .relaxed) }
    func isCancelled(_ value: Int) -> Bool { generation.load(ordering: .relaxed) >= value }
}
