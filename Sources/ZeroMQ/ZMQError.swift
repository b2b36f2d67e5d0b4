import CZeroMQ
import Glibc

/// A failed libzmq call: the function's name and its errno. A terminated context is its own
/// case (every blocked call returns it when the context shuts down); EAGAIN never appears here —
/// the wrapper returns it as a value (`nil`, `false`).
public enum ZMQError: Error, CustomStringConvertible, Equatable, Sendable {
    /// ETERM: the socket's context was terminated.
    case contextTerminated(function: String)
    /// Any other failure.
    case failed(function: String, errno: Int32)

    public var errno: Int32 {
        switch self {
        case .contextTerminated: ETERM
        case .failed(_, let errno): errno
        }
    }

    public var function: String {
        switch self {
        case .contextTerminated(let function), .failed(let function, _): function
        }
    }

    public var description: String { "\(function): \(String(cString: zmq_strerror(errno)))" }
}

/// The one funnel every libzmq call goes through: returns the call's non-negative result, `nil`
/// for EAGAIN (a result: nothing to receive, or the send would block), retries EINTR unless
/// `interruptible` (then EINTR is also returned as `nil`, so that a signal handler's flag is seen
/// at once), and throws `ZMQError` otherwise.
@discardableResult
@inline(__always)
func zmqCall(_ function: String, interruptible: Bool = false, _ body: () -> Int32) throws(ZMQError) -> Int32? {
    while true {
        let result = body()
        if result >= 0 { return result }
        let error = zmq_errno()
        switch error {
        case EAGAIN: return nil
        case EINTR: if interruptible { return nil } else { continue }
        case ETERM: throw .contextTerminated(function: function)
        default: throw .failed(function: function, errno: error)
        }
    }
}
