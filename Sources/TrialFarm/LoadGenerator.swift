import Glibc
import TrainingCore
import ZeroMQ

/// Simulated workers for measuring a coordinator (`depthfarm loadgen`, hidden): `peers` DEALER
/// sockets, each speaking the real protocol over a real connection — HELLO, READY, a DONE at once
/// for every ASSIGN (a completed trial of no epochs and no metric batches: what a trial of
/// `epochs: 0` reports, without training), HEARTBEAT when it has sent nothing for an interval —
/// until SHUTDOWN. It counts what a coordinator must get right with many connections: every
/// peer welcomed, none declared dead (an unasked WELCOME long after its HELLO), no trial given twice.
public struct LoadGenerator {
    /// What the peers saw.
    public struct Report: Sendable, CustomStringConvertible {
        public var peers = 0
        /// Peers the coordinator welcomed.
        public var welcomed = 0
        /// Unasked WELCOMEs: the coordinator had taken a peer for dead.
        public var declaredDead = 0
        /// Trials assigned, distinct trials among them, and SHUTDOWNs received.
        public var assigned = 0, distinct = 0, shutDown = 0
        public var seconds = 0.0

        public var description: String {
            "peers \(peers), welcomed \(welcomed), declared dead \(declaredDead), trials \(assigned) (\(distinct) distinct, \(assigned - distinct) doubled), "
                + "shut down \(shutDown), \(Int(seconds * 10) / 10) s, \(seconds > 0 ? Int(Double(assigned) / seconds) : 0) trials/s"
        }
    }

    /// One simulated worker.
    struct Peer {
        let socket: Socket
        var welcomed = false
        var helloSent: ContinuousClock.Instant
        var lastSent: ContinuousClock.Instant
        var done = false
    }

    public let endpoint: String
    public let peers: Int
    /// libzmq's default limit is 1023 sockets a context: peers are spread over contexts of this many.
    static let peersPerContext = 500

    public init(endpoint: String, peers: Int) {
        self.endpoint = endpoint
        self.peers = peers
    }

    /// Runs until every peer was told SHUTDOWN, or `timeout` seconds.
    public func run(timeout: Double) throws -> Report {
        let contexts = try (0..<((peers + Self.peersPerContext - 1) / Self.peersPerContext)).map { _ in try Context() }
        let start = ContinuousClock.now
        var all: [Peer] = []
        for index in 0..<peers {
            let socket = try Socket(contexts[index / Self.peersPerContext], .dealer)
            try socket.setLinger(milliseconds: 0)
            try socket.setRoutingID(Array("loadgen/\(getpid())/\(index)".utf8))
            try socket.connect(endpoint)
            _ = try socket.send(WireMessage.hello(host: "loadgen", pid: Int(getpid()), version: DepthFarmVersion.current).encode())
            all.append(Peer(socket: socket, helloSent: .now, lastSent: .now))
        }
        var report = Report(peers: peers)
        var seen = Set<UInt64>()
        var heartbeat = Duration.milliseconds(WireProtocol.defaultHeartbeatMilliseconds), liveness = WireProtocol.defaultLiveness
        let sockets = all.map(\.socket)
        var lastHeard = start
        // Until every peer is told to leave — or, once some were, the rest hear nothing for a few
        // seconds (the sweep ended before the coordinator had welcomed them).
        while report.shutDown < peers && ContinuousClock.now - start < .seconds(timeout)
            && !(report.shutDown > 0 && ContinuousClock.now - lastHeard > .seconds(3)) {
            let readable = try Poller.readable(sockets, timeoutMilliseconds: 50)
            let now = ContinuousClock.now
            if readable.contains(true) { lastHeard = now }
            for index in all.indices {
                if readable[index] {
                    while let (frames, _) = try all[index].socket.receive() {
                        guard let message = try? WireMessage.decode(frames) else { continue }
                        try handle(message, peer: &all[index], now: now, report: &report, seen: &seen, heartbeat: &heartbeat, liveness: &liveness)
                    }
                }
                if !all[index].done && now - all[index].lastSent >= heartbeat {
                    _ = try all[index].socket.send(WireMessage.heartbeat.encode())
                    all[index].lastSent = now
                }
            }
        }
        report.seconds = Double((ContinuousClock.now - start).components.seconds) + Double((ContinuousClock.now - start).components.attoseconds) * 1e-18
        report.distinct = seen.count
        return report
    }

    func handle(_ message: WireMessage, peer: inout Peer, now: ContinuousClock.Instant, report: inout Report, seen: inout Set<UInt64>,
                heartbeat: inout Duration, liveness: inout Int) throws {
        switch message {
        case .welcome(_, let milliseconds, let peerLiveness):
            heartbeat = .milliseconds(milliseconds)
            liveness = peerLiveness
            if !peer.welcomed {
                peer.welcomed = true
                report.welcomed += 1
                _ = try peer.socket.send(WireMessage.ready.encode())
                peer.lastSent = now
            } else if now - peer.helloSent > heartbeat * liveness {
                report.declaredDead += 1
            }
        case .assign(let trial, let attempt, _, _, _, _, _):
            report.assigned += 1
            seen.insert(trial)
            _ = try peer.socket.send(WireMessage.done(trial: trial, attempt: attempt, batches: 0, outcome: TrialOutcome(status: .completed)).encode())
            _ = try peer.socket.send(WireMessage.ready.encode())
            peer.lastSent = now
        case .shutdown:
            if !peer.done { report.shutDown += 1 }
            peer.done = true
        default:
            break
        }
    }
}
