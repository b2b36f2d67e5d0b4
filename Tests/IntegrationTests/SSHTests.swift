import Foundation
import Testing
import TestSupport

/// Why the ssh launcher cannot be tested here, or nil if it can.
let sshUnavailableReason: String? = NetworkNamespaces.unavailableReason ?? (
    FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")
        ? nil : "OpenSSH's server or client is not installed (scripts/test installs openssh-server)")

/// cluster/ssh/depthfarm-ssh for real: OpenSSH servers on two hosts (network namespaces), the
/// launcher and its coordinator on a third, throw-away keys.
@Suite(.serialized, .enabled(if: sshUnavailableReason == nil, "\(sshUnavailableReason ?? "")"))
struct SSHTests {
    /// An sshd in each spoke of `net` that admits `folder/client`'s key for root; the processes.
    /// `environment` is set for every session (how the test slows the remote workers down).
    static func servers(_ net: NetworkNamespaces, folder: TemporaryFolder, environment: String) throws -> [BackgroundProcess] {
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)  // privilege separation
        for key in ["host", "client"] {
            let result = try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", folder.file(key)])
            guard result.status == 0 else { throw NSError(domain: "ssh-keygen", code: Int(result.status)) }
        }
        try FileManager.default.copyItem(atPath: folder.file("client.pub"), toPath: folder.file("authorized_keys"))
        return try net.spokes.enumerated().map { n, spoke in
            let config = try folder.write("sshd-\(n + 1).conf", """
                ListenAddress 10.231.\(n + 1).2
                HostKey \(folder.file("host"))
                AuthorizedKeysFile \(folder.file("authorized_keys"))
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                PidFile none
                SetEnv \(environment)

                """)
            let (program, arguments) = NetworkNamespaces.inside(spoke.name, ["/usr/sbin/sshd", "-D", "-e", "-f", config])
            return try BackgroundProcess(arguments, program: program, folder: folder, name: "sshd-\(n + 1)")
        }
    }

    /// The worker processes of a sweep whose coordinator listens on `port`, wherever they run.
    static func workers(port: String) throws -> String {
        try run("/usr/bin/pgrep", ["-af", "worker --connect tcp://10.231.1.1:\(port)"]).standardOutput
    }

    @Test("depthfarm-ssh: workers on two hosts over ssh; Ctrl-C stops coordinator and remote workers; run again, it resumes")
    func launcher() throws {
        let net = try NetworkNamespaces(spokes: 2)
        try net.routeSpokesThroughHub()
        let folder = TemporaryFolder()
        let sshd = try Self.servers(net, folder: folder, environment: "DEPTHFARM_SLOW_WINDOW_MS=60")
        #expect(sshd.allSatisfy { $0.waitForError(timeout: 10) { $0.contains("Server listening on") } }, "\(sshd.map(\.standardError))")
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let hosts = try folder.write("hosts", "# two hosts\nroot@10.231.1.2 2\n\n10.231.2.2   # one process per core\n")
        let out = folder.file("results")
        let environment = [
            "DEPTHFARM": depthfarmBinary(), "DEPTHFARM_INSECURE": "1", "DEPTHFARM_ADDRESS": "10.231.1.1",
            "DEPTHFARM_REMOTE_DIR": folder.path,
            "SSH": "ssh -i \(folder.file("client")) -l root -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes -o LogLevel=ERROR",
        ]
        let launch = { (name: String) in
            let (program, arguments) = NetworkNamespaces.inside(net.hub, [repositoryRoot + "/cluster/ssh/depthfarm-ssh", hosts, sweep, out])
            return try BackgroundProcess(arguments, program: program, folder: folder, name: name, environment: environment)
        }

        let first = try launch("first")
        let port = try #require(Fixtures.endpoint(of: first)?.split(separator: ":").last.map(String.init))
        #expect(first.waitForError(timeout: 30) { $0.contains("starting workers on 2 host(s)") })
        #expect(Fixtures.waitForFinished(out, count: 2))
        #expect(try Self.workers(port: port).contains("--name 10.231.2.2"))  // started on both hosts
        first.signal(SIGINT)
        #expect(first.wait(timeout: 30) == 143, "\(first.standardError)")  // the coordinator's status after SIGTERM
        #expect(first.standardError.contains("not run"))
        #expect(waitUntil(timeout: 10) { (try? Self.workers(port: port)) == "" }, "remote workers left running")

        let second = try launch("second")
        #expect(second.wait(timeout: 120) == 0, "\(second.standardError)")
        #expect(second.standardError.contains("already complete"))
        let trials = try Fixtures.trials(out)
        #expect(trials.count == 12 && trials.allSatisfy { $0["status"] == "completed" })
        #expect(Set(trials.map { $0["host"]! }) == ["10.231.1.2", "10.231.2.2"])
        #expect(try Fixtures.metricsWithoutTiming(out) == DistributedTests.undisturbed(folder, sweep))
        withExtendedLifetime(sshd) {}  // the servers stop when their processes' values go
    }
}
