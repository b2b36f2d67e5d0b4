import CZeroMQ
import Glibc

/// A ZeroMQ socket. Not thread-safe and not `Sendable`: create it on the thread that uses it.
/// Closed in `deinit`, which never throws and never prints; set `linger` to bound how long
/// unsent messages may delay closing.
public final class Socket {
    /// Kept so that the context outlives the socket.
    public let context: Context
    public let type: SocketType
    let handle: UnsafeMutableRawPointer

    public init(_ context: Context, _ type: SocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            let error = zmq_errno()
            throw error == ETERM ? .contextTerminated(function: "zmq_socket") : .failed(function: "zmq_socket", errno: error)
        }
        self.context = context
        self.type = type
        self.handle = handle
    }

    deinit { zmq_close(handle) }

    // MARK: Endpoints

    public func bind(_ endpoint: String) throws(ZMQError) {
        try zmqCall("zmq_bind") { zmq_bind(handle, endpoint) }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        try zmqCall("zmq_connect") { zmq_connect(handle, endpoint) }
    }

    public func disconnect(_ endpoint: String) throws(ZMQError) {
        try zmqCall("zmq_disconnect") { zmq_disconnect(handle, endpoint) }
    }

    /// The endpoint last bound or connected, with the port the system chose for `tcp://…:*` or `:0`.
    public var lastEndpoint: String {
        get throws(ZMQError) { try stringOption(ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT") }
    }

    // MARK: Messages

    /// Sends the frames as one multipart message. Returns false, sending nothing, if the message
    /// cannot be queued now (`wait: false` and the peer's queue is full: EAGAIN). Once the first
    /// frame is accepted, libzmq accepts the rest of the message.
    @discardableResult
    public func send(_ frames: [[UInt8]], wait: Bool = false) throws(ZMQError) -> Bool {
        precondition(!frames.isEmpty)
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = index < frames.count - 1 ? ZMQ_SNDMORE : 0
            if !wait { flags |= ZMQ_DONTWAIT }
            let sent = try zmqCall("zmq_send") {
                frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            }
            if sent == nil {
                precondition(index == 0, "libzmq refused a later frame of a multipart message")
                return false
            }
        }
        return true
    }

    /// Receives one multipart message, or nil if none is waiting (`wait: false`). At most
    /// `maximumFrames` frames are kept: the rest of a longer message is read and dropped, and
    /// `truncated` says so — a peer cannot make this grow without bound.
    public func receive(wait: Bool = false, maximumFrames: Int = 64) throws(ZMQError) -> (frames: [[UInt8]], truncated: Bool)? {
        var frames: [[UInt8]] = []
        var truncated = false
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            let flags: Int32 = (frames.isEmpty && !truncated && !wait) ? ZMQ_DONTWAIT : 0
            guard let _ = try zmqCall("zmq_msg_recv", { zmq_msg_recv(&message, handle, flags) }) else {
                // EAGAIN can only happen before the first frame: later frames have already arrived.
                return nil
            }
            if frames.count < maximumFrames {
                let size = zmq_msg_size(&message)
                let bytes = zmq_msg_data(&message)!.assumingMemoryBound(to: UInt8.self)
                frames.append(Array(UnsafeBufferPointer(start: bytes, count: size)))
            } else {
                truncated = true
            }
            if zmq_msg_more(&message) == 0 { return (frames, truncated) }
        }
    }

    // MARK: Options

    /// How long (milliseconds) unsent messages may keep the socket open after close; −1 forever.
    public func setLinger(milliseconds: Int32) throws(ZMQError) { try setOption(ZMQ_LINGER, milliseconds, "ZMQ_LINGER") }

    /// Peers sending a larger message part are disconnected (−1: no limit).
    public func setMaximumMessageSize(_ bytes: Int64) throws(ZMQError) {
        var value = bytes
        try zmqCall("zmq_setsockopt(ZMQ_MAXMSGSIZE)") { zmq_setsockopt(handle, ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size) }
    }

    /// The identity a ROUTER sees for this socket; kept across reconnects.
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) { try setBytesOption(ZMQ_ROUTING_ID, id, "ZMQ_ROUTING_ID") }

    /// ZMTP heartbeats: ping every `interval`, and drop the connection when nothing arrives for
    /// `timeout`; the peer may drop it after `timeToLive` without pings (all milliseconds).
    public func setHeartbeat(interval: Int32, timeout: Int32, timeToLive: Int32) throws(ZMQError) {
        try setOption(ZMQ_HEARTBEAT_IVL, interval, "ZMQ_HEARTBEAT_IVL")
        try setOption(ZMQ_HEARTBEAT_TIMEOUT, timeout, "ZMQ_HEARTBEAT_TIMEOUT")
        try setOption(ZMQ_HEARTBEAT_TTL, timeToLive, "ZMQ_HEARTBEAT_TTL")
    }

    /// Reconnection back-off: first retry after `interval`, doubling up to `maximum` (ms).
    public func setReconnect(interval: Int32, maximum: Int32) throws(ZMQError) {
        try setOption(ZMQ_RECONNECT_IVL, interval, "ZMQ_RECONNECT_IVL")
        try setOption(ZMQ_RECONNECT_IVL_MAX, maximum, "ZMQ_RECONNECT_IVL_MAX")
    }

    /// ROUTER: sending to an unknown routing id fails with EHOSTUNREACH instead of vanishing.
    public func setRouterMandatory(_ on: Bool) throws(ZMQError) { try setOption(ZMQ_ROUTER_MANDATORY, on ? 1 : 0, "ZMQ_ROUTER_MANDATORY") }

    /// ROUTER: a new connection with an identity already in use takes it over (a reconnecting peer).
    public func setRouterHandover(_ on: Bool) throws(ZMQError) { try setOption(ZMQ_ROUTER_HANDOVER, on ? 1 : 0, "ZMQ_ROUTER_HANDOVER") }

    /// Queue messages only to completed connections.
    public func setImmediate(_ on: Bool) throws(ZMQError) { try setOption(ZMQ_IMMEDIATE, on ? 1 : 0, "ZMQ_IMMEDIATE") }

    /// Messages queued per peer before sends would block (or a ROUTER drops).
    public func setHighWaterMarks(send: Int32, receive: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, send, "ZMQ_SNDHWM")
        try setOption(ZMQ_RCVHWM, receive, "ZMQ_RCVHWM")
    }

    /// How long (ms) a connection may take to complete its handshake (security included).
    public func setHandshakeInterval(_ milliseconds: Int32) throws(ZMQError) { try setOption(ZMQ_HANDSHAKE_IVL, milliseconds, "ZMQ_HANDSHAKE_IVL") }

    /// CURVE server: this socket's secret key (Z85, 40 characters); clients must know its public key.
    public func setCurveServer(secretKey: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER")
        try setStringOption(ZMQ_CURVE_SECRETKEY, secretKey, "ZMQ_CURVE_SECRETKEY")
    }

    /// CURVE client: the server's public key and this socket's own key pair (Z85).
    public func setCurveClient(serverKey: String, publicKey: String, secretKey: String) throws(ZMQError) {
        try setStringOption(ZMQ_CURVE_SERVERKEY, serverKey, "ZMQ_CURVE_SERVERKEY")
        try setStringOption(ZMQ_CURVE_PUBLICKEY, publicKey, "ZMQ_CURVE_PUBLICKEY")
        try setStringOption(ZMQ_CURVE_SECRETKEY, secretKey, "ZMQ_CURVE_SECRETKEY")
    }

    /// The ZAP domain: with a handler bound to inproc://zeromq.zap.01, every connection is
    /// authenticated by it.
    public func setZAPDomain(_ domain: String) throws(ZMQError) { try setStringOption(ZMQ_ZAP_DOMAIN, domain, "ZMQ_ZAP_DOMAIN") }

    func setOption(_ option: Int32, _ value: Int32, _ name: String) throws(ZMQError) {
        var value = value
        try zmqCall("zmq_setsockopt(\(name))") { zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) }
    }

    func setBytesOption(_ option: Int32, _ value: [UInt8], _ name: String) throws(ZMQError) {
        try zmqCall("zmq_setsockopt(\(name))") { value.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) } }
    }

    func setStringOption(_ option: Int32, _ value: String, _ name: String) throws(ZMQError) {
        try setBytesOption(option, Array(value.utf8), name)
    }

    func stringOption(_ option: Int32, _ name: String) throws(ZMQError) -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        try zmqCall("zmq_getsockopt(\(name))") { zmq_getsockopt(handle, option, &buffer, &size) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

@available(*, unavailable)
extension Socket: Sendable {}
