import ZeroMQ

/// The coordinator's ZAP handler (ZeroMQ RFC 27): libzmq asks it, over inproc, whether a CURVE
/// client may connect; it admits exactly the listed public keys. Runs on the coordinator's thread,
/// polled with its ROUTER.
final class ZAPHandler {
    static let endpoint = "inproc://zeromq.zap.01"
    let socket: Socket
    /// Authorized keys (raw 32 bytes) with the names of their files.
    let authorized: [[UInt8]: String]
    /// Refusals since they were last logged, by peer address.
    var refusals: [String: Int] = [:]

    init(context: Context, authorized keys: [(key: String, name: String)]) throws {
        socket = try Socket(context, .reply)
        try socket.setLinger(milliseconds: 0)
        try socket.bind(Self.endpoint)
        authorized = Dictionary(keys.compactMap { key, name in CurveKeyPair.rawKey(key).map { ($0, name) } }, uniquingKeysWith: { a, _ in a })
    }

    /// Answers every waiting request.
    func answer() throws {
        while let (frames, _) = try socket.receive(maximumFrames: 16) {
            // version, request id, domain, address, identity, mechanism, credentials…
            guard frames.count >= 6, frames[0] == Array("1.0".utf8) else {
                try socket.send([Array("1.0".utf8), frames.count > 1 ? frames[1] : [], Array("500".utf8),
                                 Array("malformed ZAP request".utf8), [], []])
                continue
            }
            let address = String(decoding: frames[3], as: UTF8.self)
            let mechanism = String(decoding: frames[5], as: UTF8.self)
            let key = frames.count > 6 ? frames[6] : []
            let name = mechanism == "CURVE" ? authorized[key] : nil
            if name == nil { refusals[address, default: 0] += 1 }
            try socket.send([Array("1.0".utf8), frames[1], Array((name == nil ? "400" : "200").utf8),
                             Array((name == nil ? "key not authorized" : "OK").utf8), Array((name ?? "").utf8), []])
        }
    }

    /// A line describing the refusals since the last call, or nil if there were none.
    func takeRefusals() -> String? {
        guard !refusals.isEmpty else { return nil }
        defer { refusals = [:] }
        let total = refusals.values.reduce(0, +)
        return "refused \(total) connection\(total == 1 ? "" : "s") with keys that are not authorized, from "
            + refusals.keys.sorted().joined(separator: ", ")
    }
}
