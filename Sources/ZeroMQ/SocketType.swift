import CZeroMQ

/// The socket types the farm uses.
public enum SocketType: Int32, Sendable {
    /// Worker side: asynchronous requests to a ROUTER.
    case dealer = 5  // ZMQ_DEALER
    /// Coordinator side: addresses each peer by its routing id.
    case router = 6  // ZMQ_ROUTER
    /// One-to-one, between two threads of a process over inproc.
    case pair = 0  // ZMQ_PAIR
    /// The ZAP handler's side of authentication requests.
    case reply = 4  // ZMQ_REP
    /// The client side of a request-reply exchange (tests).
    case request = 3  // ZMQ_REQ
}
