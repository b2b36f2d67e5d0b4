import Foundation
import Glibc
import Testing
@testable import ZeroMQ

@Suite struct ZeroMQTests {
    static func pair(_ endpoint: String) throws -> (Context, Socket, Socket) {
        let context = try Context()
        let router = try Socket(context, .router)
        try router.setLinger(milliseconds: 0)
        try router.bind(endpoint)
        let dealer = try Socket(context, .dealer)
        try dealer.setLinger(milliseconds: 0)
        try dealer.setRoutingID(Array("worker-1".utf8))
        try dealer.connect(try router.lastEndpoint)
        return (context, router, dealer)
    }

    /// Waits up to 5 s for a message.
    static func receive(_ socket: Socket) throws -> [[UInt8]]? {
        guard try Poller.readable([socket], timeoutMilliseconds: 5000)[0] else { return nil }
        return try socket.receive()?.frames
    }

    @Test("multipart round trips between DEALER and ROUTER", arguments: ["inproc://round-trip", "tcp://127.0.0.1:*"])
    func roundTrip(_ endpoint: String) throws {
        let (_, router, dealer) = try Self.pair(endpoint)
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
        #expect(try dealer.send([Array("hello".utf8), [], payload]))
        let received = try #require(try Self.receive(router))
        #expect(received == [Array("worker-1".utf8), Array("hello".utf8), [], payload])
        #expect(try router.send([Array("worker-1".utf8), Array("back".utf8)]))
        #expect(try Self.receive(dealer) == [Array("back".utf8)])
        #expect(try dealer.receive() == nil)  // nothing waiting: a value, not an error
    }

    @Test("binding to port 0 reports the chosen port")
    func ephemeralPort() throws {
        let context = try Context()
        let socket = try Socket(context, .router)
        try socket.setLinger(milliseconds: 0)
        try socket.bind("tcp://127.0.0.1:0")
        let endpoint = try socket.lastEndpoint
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":0"))
    }

    @Test("errors keep the function's name and errno")
    func errors() throws {
        let context = try Context()
        let first = try Socket(context, .router), second = try Socket(context, .router)
        try first.setLinger(milliseconds: 0)
        try second.setLinger(milliseconds: 0)
        try first.bind("tcp://127.0.0.1:0")
        #expect(throws: ZMQError.failed(function: "zmq_bind", errno: EADDRINUSE)) { try second.bind(try first.lastEndpoint) }
        #expect(throws: ZMQError.failed(function: "zmq_bind", errno: EINVAL)) { try second.bind("tcp://nonsense") }
        #expect(throws: ZMQError.failed(function: "zmq_connect", errno: EPROTONOSUPPORT)) { try second.connect("carrier-pigeon://x") }
        let description = ZMQError.failed(function: "zmq_bind", errno: EADDRINUSE).description
        #expect(description == "zmq_bind: Address already in use")
    }

    @Test("a ROUTER with mandatory routing reports an unknown peer")
    func unreachable() throws {
        let (_, router, _) = try Self.pair("inproc://mandatory")
        try router.setRouterMandatory(true)
        #expect(throws: ZMQError.failed(function: "zmq_send", errno: EHOSTUNREACH)) {
            try router.send([Array("nobody".utf8), [1]])
        }
    }

    @Test("messages past the frame limit are read whole and flagged")
    func frameLimit() throws {
        let (_, router, dealer) = try Self.pair("inproc://frames")
        try dealer.send((0..<100).map { [UInt8($0)] })
        #expect(try Poller.readable([router], timeoutMilliseconds: 5000)[0])
        let (frames, truncated) = try #require(try router.receive(maximumFrames: 10))
        #expect(frames.count == 10 && truncated)
        try dealer.send([[1]])
        #expect(try Self.receive(router) == [Array("worker-1".utf8), [1]])  // the next message is intact
    }

    @Test("an oversized message part disconnects its sender")
    func maximumMessageSize() throws {
        let context = try Context()
        let router = try Socket(context, .router)
        try router.setLinger(milliseconds: 0)
        try router.setMaximumMessageSize(1000)
        try router.bind("tcp://127.0.0.1:0")
        let dealer = try Socket(context, .dealer)
        try dealer.setLinger(milliseconds: 0)
        try dealer.connect(try router.lastEndpoint)
        try dealer.send([[UInt8](repeating: 7, count: 5000)])
        try dealer.send([[1, 2, 3]])
        // The oversized part never arrives (the small one may, after the dealer reconnects).
        var received: [[[UInt8]]] = []
        while try Poller.readable([router], timeoutMilliseconds: 500)[0], let (frames, _) = try router.receive() { received.append(frames) }
        #expect(received.allSatisfy { $0.allSatisfy { $0.count < 1000 } })
    }

    @Test("poll waits for its timeout when nothing arrives")
    func pollTimeout() throws {
        let (_, router, _) = try Self.pair("inproc://quiet")
        let start = Date()
        #expect(try Poller.readable([router], timeoutMilliseconds: 100) == [false])
        #expect(Date().timeIntervalSince(start) >= 0.09)
    }

    @Test("a shut-down context ends blocking calls with its own error")
    func contextTerminated() throws {
        let context = try Context()
        let socket = try Socket(context, .dealer)
        try socket.setLinger(milliseconds: 0)
        context.shutdown()
        #expect(throws: ZMQError.contextTerminated(function: "zmq_msg_recv")) { try socket.receive(wait: true) }
    }

    @Test("CURVE key pairs, and an encrypted connection that needs the right server key")
    func curve() throws {
        #expect(Context.has("curve"))
        let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()
        #expect(server.publicKey.utf8.count == 40 && server.secretKey.utf8.count == 40 && server != client)
        #expect(try CurveKeyPair(secretKey: server.secretKey) == server)
        #expect(CurveKeyPair.isValidKey(server.publicKey) && !CurveKeyPair.isValidKey("short"))
        #expect(CurveKeyPair.z85(CurveKeyPair.rawKey(server.publicKey)!) == server.publicKey)

        let context = try Context()
        let router = try Socket(context, .router)
        try router.setLinger(milliseconds: 0)
        try router.setCurveServer(secretKey: server.secretKey)
        try router.bind("tcp://127.0.0.1:0")
        let endpoint = try router.lastEndpoint
        let good = try Socket(context, .dealer)
        try good.setLinger(milliseconds: 0)
        try good.setCurveClient(serverKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey)
        try good.connect(endpoint)
        try good.send([Array("secret".utf8)])
        #expect(try Self.receive(router)?.last == Array("secret".utf8))

        let wrong = try Socket(context, .dealer)
        try wrong.setLinger(milliseconds: 0)
        try wrong.setCurveClient(serverKey: client.publicKey, publicKey: client.publicKey, secretKey: client.secretKey)
        try wrong.connect(endpoint)
        try wrong.send([Array("intruder".utf8)])
        #expect(try Poller.readable([router], timeoutMilliseconds: 500) == [false])
    }
}
