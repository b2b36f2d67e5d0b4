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

    public init(endpoint: String) { self.endpoint = endpoint }

    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A worker process: one thread keeps the DEALER socket to the coordinator (greeting, heartbeats,
/// reconnection with back-off, forwarding), another trains one trial at a time, so heartbeats
/// flow however long a trial takes. The threads talk over an inproc PAIR socket pair, each end
/// created on the thread that uses it.
public final class Worker {
    let options: WorkerOptions
    let console: Console
    let context: Context
    /// Raised to an assignment's generation number to cancel it; read by the training thread.
    let cancellation = Cancellation()
    let trainerEndpoint: String
    /// The routing id the coordinator knows this process by, kept across reconnections.
    let routingID: [UInt8]

    public init(options: WorkerOptions, console: Console) throws {
        self.options = options
        self.console = console
        context = try Context()
        var random = RandomStream(seed: UInt64(getpid()) &* 0x9E37_79B9 ^ UInt64(Coordinator.unixTime() * 1e6), purpose: .sweepSampling)
        let tag = String(random.next() % 1_000_000_000, radix: 36)
        routingID = Array("\(options.host)/\(getpid())/\(tag)".utf8.prefix(200))
        trainerEndpoint = "inproc://depthfarm-trainer-\(tag)"
    }

    /// What the connection to the coordinator looks like.
    struct Link {
        /// The DEALER socket, while connected.
        var socket: Socket?
        /// The coordinator's session, once it welcomed us.
        var session: UInt64?
        /// A HELLO was sent and its WELCOME has not come.
        var awaitingWelcome = false
        var heartbeat = Duration.milliseconds(WireProtocol.defaultHeartbeatMilliseconds)
        var liveness = WireProtocol.defaultLiveness
        var lastSeen = ContinuousClock.now
        var lastSent = ContinuousClock.now
        var connectedAt = ContinuousClock.now
        /// When to try connecting next, and the wait after that (doubling to 30 s).
        var retryAt = ContinuousClock.now
        var backoff = Duration.seconds(1)
        /// Since when no coordinator has welcomed us (for `patience`).
        var aloneSince: ContinuousClock.Instant? = ContinuousClock.now
        /// A READY is outstanding.
        var readySent = false
    }

    /// The trial the training thread is running.
    struct Job {
        let generation: Int
        let trial: UInt64
        let attempt: Int
        var cancelled = false
    }

    /// Runs until the coordinator ends the sweep (or, with `stay`, forever), `patience` runs out,
    /// or `shouldStop` says so — then hands back any trial (BYE). Returns the exit status.
    public func run(shouldStop: () -> Bool) throws -> Int32 {
        let trainer = try Socket(context, .pair)
        try trainer.setLinger(milliseconds: 0)
        try trainer.bind(trainerEndpoint)
        let thread = Thread { [context, trainerEndpoint, cancellation] in
            TrainingThread(context: context, endpoint: trainerEndpoint, cancellation: cancellation).run()
        }
        thread.stackSize = 16 << 20
        thread.start()
        defer { try? trainer.send(WireMessage.shutdown(reason: "worker ending").encode(), wait: false) }

        let clock = ContinuousClock()
        var link = Link()
        var job: Job?
        var generation = 0
        var trainerIdle = true
        var outbox: [[UInt8]]?  // a message for the coordinator that could not be queued yet

        func send(_ message: WireMessage) -> Bool {
            guard let socket = link.socket else { return false }
            guard (try? socket.send(message.encode())) == true else { return false }
            link.lastSent = clock.now
            return true
        }
        func disconnect(_ reason: String?) {
            if let reason { console.log(reason) }
            link.socket = nil
            link.session = nil
            link.awaitingWelcome = false
            link.readySent = false
            link.retryAt = clock.now + link.backoff
            link.backoff = min(link.backoff * 2, .seconds(30))
            if link.aloneSince == nil { link.aloneSince = clock.now }
            outbox = nil
        }
        func cancelJob() {
            guard var current = job, !current.cancelled else { return }
            current.cancelled = true
            job = current
            cancellation.cancel(upTo: current.generation)
        }

        while true {
            if shouldStop() {
                cancelJob()
                _ = send(.bye(reason: "stopped by signal"))
                return 0
            }
            let now = clock.now
            if link.socket == nil {
                if let since = link.aloneSince, let patience = options.patience, seconds(now - since) > patience {
                    console.log("no coordinator at \(options.endpoint) for \(Int(patience)) s: leaving")
                    return 1
                }
                if now >= link.retryAt {
                    link.socket = try connect()
                    link.connectedAt = now
                    link.lastSeen = now
                    link.awaitingWelcome = send(.hello(host: options.host, pid: Int(getpid()), version: DepthFarmVersion.current))
                }
            }
            var sockets = [trainer]
            if let socket = link.socket { sockets.insert(socket, at: 0) }
            let readable = try Poller.readable(sockets, timeoutMilliseconds: 100)

            // From the coordinator.
            if let socket = link.socket, readable[0] {
                while let (frames, truncated) = try socket.receive(maximumFrames: WireProtocol.maximumFrames + 1) {
                    guard !truncated, let message = try? WireMessage.decode(frames) else { continue }
                    link.lastSeen = clock.now
                    switch message {
                    case .welcome(let session, let milliseconds, let liveness):
                        if link.awaitingWelcome {
                            link.awaitingWelcome = false
                            if link.session != nil && link.session != session { cancelJob() }
                            link.session = session
                            link.heartbeat = .milliseconds(milliseconds)
                            link.liveness = liveness
                            link.backoff = .seconds(1)
                            link.aloneSince = nil
                        } else {
                            // The coordinator does not know us (it restarted): start over with it.
                            cancelJob()
                            link.session = nil
                            link.readySent = false
                            link.awaitingWelcome = send(.hello(host: options.host, pid: Int(getpid()), version: DepthFarmVersion.current))
                        }
                    case .assign(let trial, let attempt, _):
                        guard link.session != nil, trainerIdle, job == nil else {
                            console.log("ignoring an assignment while busy")
                            continue
                        }
                        generation += 1
                        job = Job(generation: generation, trial: trial, attempt: attempt)
                        trainerIdle = false
                        link.readySent = false
                        try trainer.send([Array(String(generation).utf8)] + message.encode(), wait: true)
                    case .cancel(let trial, let attempt):
                        if let current = job, current.trial == trial, current.attempt == attempt { cancelJob() }
                    case .shutdown(let reason):
                        cancelJob()
                        if options.stay {
                            disconnect("coordinator: \(reason); waiting for the next one")
                            link.backoff = .seconds(1)
                        } else {
                            console.log("coordinator: \(reason)")
                            return 0
                        }
                    case .heartbeat:
                        break
                    default:
                        continue
                    }
                    if link.socket == nil { break }
                }
            }

            // From the training thread (only when the coordinator can take it).
            if outbox != nil, let frames = outbox, let socket = link.socket {
                if (try? socket.send(frames)) == true {
                    link.lastSent = clock.now
                    outbox = nil
                }
            }
            if readable[readable.count - 1] && outbox == nil {
                while outbox == nil, let (frames, _) = try trainer.receive() {
                    guard let message = try? WireMessage.decode(frames) else { continue }
                    switch message {
                    case .ready:
                        trainerIdle = true
                        job = nil
                    case .metrics(let trial, let attempt, _, _), .done(let trial, let attempt, _, _), .failed(let trial, let attempt, _):
                        guard let current = job, !current.cancelled, current.trial == trial, current.attempt == attempt,
                            let socket = link.socket
                        else { continue }
                        if (try? socket.send(frames)) == true {
                            link.lastSent = clock.now
                        } else {
                            outbox = frames
                        }
                    default:
                        continue
                    }
                }
            }

            // Ask for work; keep the link alive; notice a dead coordinator.
            let later = clock.now
            if link.socket != nil {
                if link.session != nil && trainerIdle && !link.readySent && outbox == nil {
                    link.readySent = send(.ready)
                }
                let deadline = link.heartbeat * link.liveness
                if later - link.lastSeen > deadline {
                    cancelJob()
                    disconnect(link.session == nil
                               ? "no answer from \(options.endpoint); retrying in \(Int(seconds(link.backoff))) s"
                               : "coordinator at \(options.endpoint) is silent; reconnecting")
                } else if link.session != nil && later - link.lastSent >= link.heartbeat {
                    _ = send(.heartbeat)
                }
            }
        }
    }

    /// A new DEALER socket to the coordinator.
    func connect() throws -> Socket {
        let socket = try Socket(context, .dealer)
        try socket.setLinger(milliseconds: 500)
        try socket.setRoutingID(routingID)
        try socket.setMaximumMessageSize(WireProtocol.maximumFrameBytes)
        try socket.setReconnect(interval: 250, maximum: 5000)
        try socket.setHeartbeat(interval: 1000, timeout: 3000, timeToLive: 6000)
        try socket.setHighWaterMarks(send: 1000, receive: 1000)
        do {
            try socket.connect(options.endpoint)
        } catch {
            throw InputError("--connect \(options.endpoint)", String(cString: strerror(error.errno)))
        }
        return socket
    }
}

/// The generation up to which assignments are cancelled, shared by the worker's two threads.
final class Cancellation: Sendable {
    private let generation = Atomic<Int>(0)
    func cancel(upTo value: Int) { _ = generation.max(value, ordering: .relaxed) }
    func isCancelled(_ value: Int) -> Bool { generation.load(ordering: .relaxed) >= value }
}
