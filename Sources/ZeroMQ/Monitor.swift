import CZeroMQ

/// Events libzmq reports about a socket's connections (zmq_socket_monitor), read from a PAIR
/// socket on the thread that owns the monitored socket.
public final class Monitor {
    /// One event: what happened, its value (an errno, or a ZAP status code for
    /// `handshakeFailedAuthentication`), and the peer's endpoint.
    public struct Event: Sendable, Equatable {
        public var kind: Kind
        public var value: UInt32
        public var endpoint: String
    }

    public enum Kind: UInt16, Sendable, CaseIterable {
        case connected = 0x0001
        case disconnected = 0x0200
        /// The security handshake failed for no reported reason (e.g. a wrong server key).
        case handshakeFailedNoDetail = 0x0800
        case handshakeSucceeded = 0x1000
        /// The peers disagree on the protocol or the security mechanism.
        case handshakeFailedProtocol = 0x2000
        /// The server's ZAP handler refused this client; `value` is its status code.
        case handshakeFailedAuthentication = 0x4000
    }

    private let socket: Socket

    /// Starts monitoring `target` for `kinds`, over inproc endpoint `endpoint`.
    public init(_ target: Socket, endpoint: String, kinds: [Kind] = Kind.allCases) throws(ZMQError) {
        let mask = kinds.reduce(Int32(0)) { $0 | Int32($1.rawValue) }
        try zmqCall("zmq_socket_monitor") { zmq_socket_monitor(target.handle, endpoint, mask) }
        socket = try Socket(target.context, .pair)
        try socket.setLinger(milliseconds: 0)
        try socket.connect(endpoint)
    }

    /// The next event if one is waiting.
    public func next() throws(ZMQError) -> Event? {
        while let (frames, _) = try socket.receive(maximumFrames: 2) {
            // Frame 1: event (u16) and value (u32), native byte order; frame 2: the endpoint.
            guard frames.count == 2, frames[0].count == 6 else { continue }
            let code = UInt16(frames[0][0]) | UInt16(frames[0][1]) << 8
            let value = frames[0][2...5].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard let kind = Kind(rawValue: code) else { continue }
            return Event(kind: kind, value: value, endpoint: String(decoding: frames[1], as: UTF8.self))
        }
        return nil
    }
}

@available(*, unavailable)
extension Monitor: Sendable {}
