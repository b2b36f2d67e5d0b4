import Foundation
import Testing
import TestSupport
import TrialFarm

/// cluster/systemd/: the unit is valid for systemd, and its ExecStart — expanded from the example
/// environment file as systemd expands it — is a worker that serves one sweep after another with
/// CURVE and stops cleanly on the unit's KillSignal. (No systemd runs here to start it.)
@Suite struct SystemdTests {
    static var unit: String { repositoryRoot + "/cluster/systemd/depthfarm-worker.service" }
    static var environmentFile: String { repositoryRoot + "/cluster/systemd/depthfarm-worker.env" }

    /// The values of `key` in a unit file (every section).
    static func values(_ key: String, in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            line.hasPrefix(key + "=") ? String(line.dropFirst(key.count + 1)) : nil
        }
    }

    /// ExecStart as systemd runs it: ${NAME} becomes one word, $NAME as many words as its value has.
    static func expand(_ command: String, _ variables: [String: String]) -> [String] {
        command.split(separator: " ").flatMap { word -> [String] in
            if word.hasPrefix("${") && word.hasSuffix("}") { return [variables[String(word.dropFirst(2).dropLast())] ?? ""] }
            if word.hasPrefix("$") { return (variables[String(word.dropFirst())] ?? "").split(separator: " ").map(String.init) }
            return [String(word)]
        }
    }

    @Test("systemd-analyze verify finds nothing to say about the unit",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "systemd-analyze is not installed (Debian's systemd)"))
    func verify() throws {
        let folder = TemporaryFolder()
        // verify checks that the program exists: point it at the binary under test.
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/depthfarm", with: depthfarmBinary())
            .replacingOccurrences(of: "/etc/default/depthfarm-worker", with: Self.environmentFile)
        let unit = try folder.write("depthfarm-worker.service", text)
        let result = try run("/usr/bin/systemd-analyze", ["verify", unit])
        #expect(result.status == 0 && result.standardError.isEmpty && result.standardOutput.isEmpty, "\(result.standardError)")
    }

    @Test("ExecStart from the example environment file: a CURVE worker that serves two sweeps in turn (--stay) and leaves cleanly on SIGTERM")
    func execStart() throws {
        let unit = try String(contentsOfFile: Self.unit, encoding: .utf8)
        #expect(Self.values("EnvironmentFile", in: unit) == ["/etc/default/depthfarm-worker"])
        #expect(Self.values("KillSignal", in: unit) == ["SIGTERM"] && Self.values("Restart", in: unit) == ["on-failure"])
        let folder = TemporaryFolder()
        // The key files the example environment file names, under a folder of the test's.
        let etc = folder.file("etc/depthfarm")
        for name in ["coordinator", "worker"] { #expect(try runDepthFarm(["keygen", name, "--out", etc]).status == 0) }
        let authorized = folder.file("authorized")
        try FileManager.default.createDirectory(atPath: authorized, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: etc + "/worker.public", toPath: authorized + "/worker.public")
        var variables: [String: String] = [:]
        for line in try String(contentsOfFile: Self.environmentFile, encoding: .utf8).split(separator: "\n")
        where !line.hasPrefix("#") && line.contains("=") {
            let parts = line.split(separator: "=", maxSplits: 1)
            variables[String(parts[0])] = String(parts[1]).replacingOccurrences(of: "/etc/depthfarm", with: etc)
        }
        #expect(variables["DEPTHFARM_CONNECT"] == "tcp://coordinator.example.org:5555")

        let curve = ["--curve-secret-key", etc + "/coordinator.secret", "--authorized-keys", authorized]
        var sweeps: [String] = []
        for name in ["first", "second"] {
            sweeps.append(try folder.write("\(name).yaml", Fixtures.small.replacingOccurrences(of: "name: small", with: "name: \(name)")))
        }
        let (first, endpoint) = try Fixtures.coordinator(sweeps[0], out: folder.file("first"), curve, folder: folder)
        variables["DEPTHFARM_CONNECT"] = endpoint
        let execStart = Self.expand(try #require(Self.values("ExecStart", in: unit).first), variables)
        #expect(execStart.first == "/usr/local/bin/depthfarm")
        let worker = try BackgroundProcess(Array(execStart.dropFirst()), folder: folder, name: "worker")
        #expect(first.wait(timeout: 60) == 0, "\(first.standardError)\n\(worker.standardError)")
        #expect(worker.isRunning)
        // The next sweep's coordinator, on the same address.
        let port = try #require(endpoint.split(separator: ":").last)
        let second = try BackgroundProcess(["coordinator", sweeps[1], "--bind", "tcp://127.0.0.1:\(port)", "--out", folder.file("second")] + curve,
                                           folder: folder, name: "second")
        #expect(second.wait(timeout: 60) == 0, "\(second.standardError)\n\(worker.standardError)")
        for out in ["first", "second"] {
            let trials = try Fixtures.trials(folder.file(out))
            #expect(trials.count == 12 && trials.allSatisfy { $0["status"] == "completed" })
        }
        worker.signal(SIGTERM)
        #expect(worker.wait(timeout: 10) == 0)  // 0: not a failure, so Restart=on-failure leaves it stopped
    }
}
