import Testing
import TrialFarm

/// Which endpoints only this machine can reach (the coordinator refuses the others without CURVE).
struct EndpointTests {
    @Test("loopback, ipc and inproc are local; every other address is not", arguments: [
        ("tcp://127.0.0.1:5555", true), ("tcp://127.3.4.5:0", true), ("tcp://localhost:5555", true), ("tcp://[::1]:5555", true),
        ("tcp://::1:5555", true), ("ipc:///tmp/x.sock", true), ("inproc://farm", true),
        ("tcp://0.0.0.0:5555", false), ("tcp://*:5555", false), ("tcp://10.0.0.1:5555", false), ("tcp://eth0:5555", false),
        ("tcp://[::]:5555", false), ("tcp://127.0.0.1.evil.example:5555", false), ("tcp://128.0.0.1:5555", false),
    ])
    func local(_ endpoint: String, _ expected: Bool) {
        #expect(Endpoint.isLocal(endpoint) == expected)
    }

    @Test("the endpoint other machines connect to: a wildcard bind address becomes the host name", arguments: [
        ("tcp://0.0.0.0:40123", "tcp://node-7:40123"), ("tcp://[::]:5555", "tcp://node-7:5555"),
        ("tcp://10.0.0.1:5555", "tcp://10.0.0.1:5555"), ("tcp://127.0.0.1:5555", "tcp://127.0.0.1:5555"),
        ("ipc:///tmp/x.sock", "ipc:///tmp/x.sock"),
    ])
    func advertised(_ bound: String, _ expected: String) {
        #expect(Endpoint.advertised(bound, host: "node-7") == expected)
    }
}
