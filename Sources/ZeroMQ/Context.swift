import CZeroMQ

/// A ZeroMQ context: the I/O threads every socket of the process shares. Thread-safe. Sockets
/// keep their context alive, so it is terminated only after the last of them is closed.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw .failed(function: "zmq_ctx_new", errno: zmq_errno()) }
        self.handle = handle
    }

    deinit {
        // Every socket is closed by now (each holds a reference to this context).
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// Makes every blocking call on this context's sockets, now and later, fail with
    /// `ZMQError.contextTerminated` — the way to stop a thread that waits on a socket.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    /// The libzmq version, e.g. "4.3.4".
    public static var libraryVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    /// Whether libzmq was built with a capability, e.g. "curve".
    public static func has(_ capability: String) -> Bool { zmq_has(capability) == 1 }
}
