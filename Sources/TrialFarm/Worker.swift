import Foundation
import Glibc
import Logging
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

/// Why a worker cannot work for its coordinator; the command line words it with its options.
public enum WorkerError: Error, Equatable {
    /// libzmq refused the endpoint.
    case cannotConnect(endpoint: String, errno: Int32)
    /// The coordinator's ZAP handler refused this worker's CURVE key.
    case keyRefused(endpoint: String)
    /// The coordinator uses CURVE and this worker has no keys.
    case curveRequired(endpoint: String)
    /// The handshake failed at the protocol level: the coordinator does not use CURVE, or speaks another protocol.
    case protocolMismatch(endpoint: String)
    /// The CURVE handshake failed: most likely the wrong server key.
    case curveFailed(endpoint: String)
}

/// A worker process: one thread keeps the DEALER socket to the coordinator (greeting, heartbeats,
/// forwarding), another trains one trial at a time, so heartbeats flow however long a trial takes.
/// The threads talk over an inproc PAIR socket pair, each end created on the thread that uses it.
/// The socket thread is one poll loop over `State` (see `Worker+State.swift`), which holds every
/// decision; this class only moves messages between the sockets and the state.
///
/// The DEALER lives as long as the process: libzmq reconnects it when the link drops (250 ms,
/// backing off to 5 s) and queues what is sent meanwhile. When the coordinator falls silent the
/// worker greets it again, every `liveness` heartbeats until it answers; a running trial goes on,
/// since the coordinator drops results it no longer wants (another attempt, or another session).
public final class Worker {
    let options: WorkerOptions
    let logger: Logger
    let context: Context
    /// Raised to an assignment's generation number to cancel it; read by the training thread.
    let cancellation = Cancellation()
    let trainerEndpoint: String
    /// The routing id the coordinator knows this process by.
    let routingID: [UInt8]

    public init(options: WorkerOptions, logger: Logger) throws {
        self.options = options
        self.logger = logger
        context = try Context()
        // An unguessable tag, so that no other peer can take this worker's routing id over.
        var random = SystemRandomNumberGenerator()
        let tag = String(random.next() as UInt64, radix: 36)
        routingID = Array("\(options.host)/\(getpid())/\(tag)".utf8.prefix(200))
        trainerEndpoint = "inproc://depthfarm-trainer-\(tag)"
    }

    /// The sockets the state drives: the DEALER to the coordinator and the PAIR to the training thread.
    struct Sockets: WorkerPort {
        let coordinator: Socket
        let trainer: Socket
        let cancellation: Cancellation

        func send(_ message: WireMessage) -> Bool { (try? coordinator.send(message.encode())) == true }
        func forward(_ frames: [[UInt8]]) -> Bool { (try? coordinator.send(frames)) == true }
        func train(_ job: Worker.Job) throws { try trainer.send(job.frames, wait: true) }
        func cancel(upTo generation: Int) { cancellation.cancel(upTo: generation) }
    }

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
        let sockets = Sockets(coordinator: socket, trainer: trainer, cancellation: cancellation)
        var state = State(options: options, logger: logger, now: ContinuousClock.now)
        state.greet(now: ContinuousClock.now, port: sockets)

        while true {
            if shouldStop() {
                state.stop(port: sockets)
                return 0
            }
            let readable = try Poller.readable([socket, trainer], timeoutMilliseconds: 100)
            if readable[0] {
                while let (frames, truncated) = try socket.receive(maximumFrames: WireProtocol.maximumFrames + 1) {
                    guard !truncated, let message = try? WireMessage.decode(frames) else { continue }
                    if let status = try state.received(message, now: ContinuousClock.now, port: sockets) { return status }
                }
            }
            // A refused key, or a handshake that cannot succeed, does not get better by retrying.
            while let event = try monitor.next() { try handshakeFailed(event, welcomed: state.knownSession != nil) }
            state.flushHeld(now: ContinuousClock.now, port: sockets)
            if readable[1] {
                while state.held == nil, let (frames, _) = try trainer.receive() {
                    try state.fromTrainer(frames, now: ContinuousClock.now, port: sockets)
                }
            }
            if let status = state.housekeeping(now: ContinuousClock.now, port: sockets) { return status }
        }
    }

    /// Handshakes that failed without saying why, in a row: a coordinator closing its socket
    /// mid-handshake (the sweep just ended) fails one that way too, so only a repeat is an error.
    private var vagueHandshakeFailures = 0

    /// Turns a failed handshake into the error the user needs.
    func handshakeFailed(_ event: Monitor.Event, welcomed: Bool) throws {
        switch event.kind {
        case .handshakeFailedAuthentication:
            throw WorkerError.keyRefused(endpoint: options.endpoint)
        case .handshakeFailedProtocol:
            if options.curve == nil { throw WorkerError.curveRequired(endpoint: options.endpoint) }
            throw WorkerError.protocolMismatch(endpoint: options.endpoint)
        case .handshakeFailedNoDetail:
            if welcomed { return }  // keys that worked before: the coordinator is going away, not wrong
            vagueHandshakeFailures += 1
            guard vagueHandshakeFailures >= 3 else { return }
            if options.curve == nil { throw WorkerError.curveRequired(endpoint: options.endpoint) }
            throw WorkerError.curveFailed(endpoint: options.endpoint)
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
            throw WorkerError.cannotConnect(endpoint: options.endpoint, errno: error.errno)
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
