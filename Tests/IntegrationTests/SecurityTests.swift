import Foundation
import Glibc
import Testing
import TestSupport
import TrialFarm
import ZeroMQ

/// CURVE: encrypted connections, and only workers with an authorized key take part.
@Suite(.serialized) struct SecurityTests {
    @Test("keygen writes a public file and a secret file only its owner can read")
    func keygen() throws {
        let folder = TemporaryFolder()
        let result = try runDepthFarm(["keygen", "node-1", "--out", folder.file("keys")])
        #expect(result.status == 0 && result.standardOutput.contains("node-1.secret (keep it private)"))
        var info = stat()
        stat(folder.file("keys/node-1.secret"), &info)
        #expect(info.st_mode & 0o777 == 0o600)
        stat(folder.file("keys/node-1.public"), &info)
        #expect(info.st_mode & 0o777 == 0o644)
        let pair = try CurveKeyFile.readSecret(folder.file("keys/node-1.secret"))
        #expect(try CurveKeyFile.readPublic(folder.file("keys/node-1.public")) == pair.publicKey)
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        let secret = try String(contentsOfFile: folder.file("keys/node-1.secret"), encoding: .utf8)
        #expect(try runDepthFarm(["keygen", "node-1", "--out", folder.file("keys")]).status != 0)
        #expect(try String(contentsOfFile: folder.file("keys/node-1.secret"), encoding: .utf8) == secret)
        #expect(try runDepthFarm(["keygen", "node-1", "--out", folder.file("keys"), "--force"]).status == 0)
        #expect(try String(contentsOfFile: folder.file("keys/node-1.secret"), encoding: .utf8) != secret)
    }

    @Test("with CURVE only authorized workers join; others get a clear error and the coordinator logs the refusal")
    func authorization() throws {
        let folder = TemporaryFolder()
        let keys = folder.file("keys"), authorized = folder.file("authorized")
        for name in ["coordinator", "trusted", "stranger"] { #expect(try runDepthFarm(["keygen", name, "--out", keys]).status == 0) }
        try FileManager.default.createDirectory(atPath: authorized, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: keys + "/trusted.public", toPath: authorized + "/trusted.public")
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, ["--curve-secret-key", keys + "/coordinator.secret",
                                                                                 "--authorized-keys", authorized], folder: folder)
        #expect(coordinator.standardError.contains("(CURVE, 1 authorized worker key)"))
        let server = ["--curve-server-key", keys + "/coordinator.public"]

        let stranger = try runDepthFarm(["worker", "--connect", endpoint, "--processes", "1", "--curve-secret-key", keys + "/stranger.secret"] + server)
        #expect(stranger.status != 0 && stranger.errorLines.count == 1)
        #expect(stranger.standardError.contains("the coordinator refused this worker's key"))
        let keyless = try runDepthFarm(["worker", "--connect", endpoint, "--processes", "1"])
        #expect(keyless.status != 0 && keyless.standardError.contains("the coordinator requires CURVE"))
        let confused = try runDepthFarm(["worker", "--connect", endpoint, "--processes", "1", "--curve-secret-key", keys + "/trusted.secret",
                                         "--curve-server-key", keys + "/stranger.public"])
        #expect(confused.status != 0 && confused.standardError.contains("is --curve-server-key the coordinator's public key?"))
        // None of them got a trial.
        #expect(try String(contentsOfFile: out + "/journal.log", encoding: .utf8).split(separator: "\n").count == 1)
        #expect(Fixtures.partials(out).isEmpty)

        let trusted = try runDepthFarm(["worker", "--connect", endpoint, "--processes", "2", "--name", "trusted",
                                        "--curve-secret-key", keys + "/trusted.secret"] + server)
        #expect(trusted.status == 0, "\(trusted.standardError)")
        #expect(coordinator.wait(timeout: 30) == 0)
        #expect(coordinator.standardError.contains("refused 1 connection with keys that are not authorized, from 127.0.0.1"))
        #expect(coordinator.standardError.contains("CURVE handshake"))
        let trials = try Fixtures.trials(out)
        #expect(trials.count == 12 && trials.allSatisfy { $0["status"] == "completed" && $0["host"] == "trusted" })
    }

    @Test("listening beyond this machine without CURVE is refused; --insecure allows it with a warning")
    func insecure() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        let refused = try runDepthFarm(["coordinator", sweep, "--bind", "tcp://0.0.0.0:0", "--out", out])
        #expect(refused.status != 0 && refused.errorLines.count == 1)
        #expect(refused.standardError.contains("--bind tcp://0.0.0.0:0: other machines could join without a key"))
        #expect(!FileManager.default.fileExists(atPath: out))

        let coordinator = try BackgroundProcess(["coordinator", sweep, "--bind", "tcp://0.0.0.0:0", "--insecure", "--out", out],
                                                folder: folder, name: "coordinator")
        let endpoint = try #require(Fixtures.endpoint(of: coordinator))
        #expect(coordinator.standardError.contains("warning: --insecure: no encryption or authentication on tcp://0.0.0.0:0"))
        let port = try #require(endpoint.split(separator: ":").last)
        #expect(try runDepthFarm(["worker", "--connect", "tcp://127.0.0.1:\(port)", "--processes", "2"]).status == 0)
        #expect(coordinator.wait(timeout: 30) == 0)
        #expect(try Fixtures.trials(out).count == 12)
    }

    @Test("CURVE encrypts: the configuration a worker is sent does not appear on the wire")
    func encrypted() throws {
        // Two ZeroMQ peers with CURVE, and the same pair without, over a TCP proxy that records bytes.
        let folder = TemporaryFolder()
        let keys = folder.file("keys")
        for name in ["s", "c"] { #expect(try runDepthFarm(["keygen", name, "--out", keys]).status == 0) }
        let server = try CurveKeyFile.readSecret(keys + "/s.secret"), client = try CurveKeyFile.readSecret(keys + "/c.secret")
        let secretText = "remember-first-with-a-distinctive-marker"
        for curve in [false, true] {
            let context = try Context()
            let router = try Socket(context, .router)
            try router.setLinger(milliseconds: 0)
            if curve { try router.setCurveServer(secretKey: server.secretKey) }
            try router.bind("tcp://127.0.0.1:0")
            let proxy = try RecordingProxy(to: try router.lastEndpoint)
            let dealer = try Socket(context, .dealer)
            try dealer.setLinger(milliseconds: 0)
            if curve { try dealer.setCurveClient(serverKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey) }
            try dealer.connect(proxy.endpoint)
            try dealer.send([Array(secretText.utf8)])
            #expect(try Poller.readable([router], timeoutMilliseconds: 5000)[0])
            #expect(try router.receive()?.frames.last == Array(secretText.utf8))
            let seen = proxy.stop()
            #expect(String(decoding: seen, as: UTF8.self).contains(secretText) == !curve)
        }
    }
}

/// A one-connection TCP proxy on 127.0.0.1 that copies bytes both ways and keeps what it saw.
final class RecordingProxy: @unchecked Sendable {
    /// What the proxy saw, and whether it should stop; shared with its thread.
    final class Recording: @unchecked Sendable {
        private let lock = NSLock()
        private var bytes: [UInt8] = []
        private var stopped = false
        var isStopped: Bool { lock.withLock { stopped } }
        func add(_ more: ArraySlice<UInt8>) { lock.withLock { bytes += more } }
        func stop() -> [UInt8] { lock.withLock { stopped = true; return bytes } }
    }

    let endpoint: String
    private let listener: Int32
    private let recording = Recording()

    init(to target: String) throws {
        let port = UInt16(target.split(separator: ":").last!)!
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        listen(listener, 1)
        endpoint = "tcp://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        let thread = Thread { [listener, recording] in
            let client = accept(listener, nil, nil)
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer {
                close(client)
                close(upstream)
            }
            var target = sockaddr_in()
            target.sin_family = sa_family_t(AF_INET)
            target.sin_addr.s_addr = inet_addr("127.0.0.1")
            target.sin_port = port.bigEndian
            _ = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            var fds = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !recording.isStopped {
                guard poll(&fds, 2, 50) >= 0 else { return }
                for (from, to) in [(0, 1), (1, 0)] where fds[from].revents & Int16(POLLIN) != 0 {
                    let n = read(fds[from].fd, &buffer, buffer.count)
                    if n <= 0 { return }
                    _ = write(fds[to].fd, buffer, n)
                    recording.add(buffer[0..<n])
                }
            }
        }
        thread.start()
    }

    /// Stops copying; the bytes seen.
    func stop() -> [UInt8] {
        usleep(100_000)
        close(listener)
        return recording.stop()
    }
}
