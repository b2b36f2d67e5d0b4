import CZeroMQ

/// Waits for sockets to become readable.
public enum Poller {
    /// Which of `sockets` have a message waiting, after at most `timeoutMilliseconds` (−1: no
    /// limit, 0: just look). A signal ends the wait early with nothing readable.
    public static func readable(_ sockets: [Socket], timeoutMilliseconds: Int) throws(ZMQError) -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: -1, events: Int16(ZMQ_POLLIN), revents: 0) }
        guard let ready = try zmqCall("zmq_poll", interruptible: true, { zmq_poll(&items, Int32(items.count), timeoutMilliseconds) }),
            ready > 0
        else { return [Bool](repeating: false, count: sockets.count) }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
