import Foundation
import Testing
import TestSupport
import TrainingCore
import TrialFarm

/// A coordinator and workers started separately, as on a cluster: over tcp, with workers that
/// die, and on several hosts.
@Suite(.serialized) struct DistributedTests {
    /// The small sweep's folder after an undisturbed `run`, to compare against.
    static func undisturbed(_ folder: TemporaryFolder, _ sweep: String) throws -> String {
        let out = folder.file("undisturbed")
        let result = try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"])
        guard result.status == 0 else { throw NSError(domain: "run", code: Int(result.status)) }
        return try Fixtures.metricsWithoutTiming(out)
    }

    @Test("a worker killed with SIGKILL mid-trial: its trial is re-run elsewhere, every trial once")
    func killedWorker() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, ["--heartbeat-ms", "200"], folder: folder)
        // Slow windows (25 ms each, 20 per trial) so the kill lands in the middle of a trial.
        let doomed = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "1", "--name", "doomed"],
                                           folder: folder, name: "doomed", environment: ["DEPTHFARM_SLOW_WINDOW_MS": "25"])
        #expect(waitUntil(timeout: 30) { !Fixtures.partials(out).isEmpty })
        usleep(100_000)
        doomed.signal(SIGKILL)
        let survivor = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "2", "--name", "survivor"],
                                             folder: folder, name: "survivor")
        #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.standardError)")
        #expect(survivor.wait(timeout: 20) == 0)
        // Found dead by its closed connection, or by its silence.
        #expect(coordinator.standardError.contains("goes back to the queue: its worker doomed/"))
        let trials = try Fixtures.trials(out)
        #expect(trials.count == 12 && trials.allSatisfy { $0["status"] == "completed" })
        let retried = trials.filter { $0["failures"] == "1" }
        #expect(retried.count == 1 && retried[0]["attempts"] == "2" && retried[0]["host"] == "survivor")
        #expect(try Fixtures.metricsWithoutTiming(out) == Self.undisturbed(folder, sweep))
    }

    @Test("several hosts: the coordinator in one network namespace, workers in two others",
          .enabled(if: NetworkNamespaces.unavailableReason == nil, "\(NetworkNamespaces.unavailableReason ?? "")"))
    func severalHosts() throws {
        let net = try NetworkNamespaces(spokes: 2)
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        let (program, arguments) = NetworkNamespaces.inside(net.hub, [depthfarmBinary(), "coordinator", sweep,
                                                                      "--bind", "tcp://0.0.0.0:5701", "--insecure", "--out", out])
        let coordinator = try BackgroundProcess(arguments, program: program, folder: folder, name: "coordinator")
        #expect(Fixtures.endpoint(of: coordinator) == "tcp://0.0.0.0:5701")
        var workers: [BackgroundProcess] = []
        for (n, spoke) in net.spokes.enumerated() {
            let (program, arguments) = NetworkNamespaces.inside(spoke.name, [
                depthfarmBinary(), "worker", "--connect", "tcp://\(spoke.hubAddress):5701", "--processes", "2", "--name", "host-\(n + 1)",
            ])
            // Slow windows make the sweep outlast the workers' start, so that both hosts get trials.
            workers.append(try BackgroundProcess(arguments, program: program, folder: folder, name: "worker-\(n + 1)",
                                                 environment: ["DEPTHFARM_SLOW_WINDOW_MS": "25"]))
        }
        #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.standardError)")
        for worker in workers { #expect(worker.wait(timeout: 20) == 0, "\(worker.standardError)") }
        let trials = try Fixtures.trials(out)
        #expect(trials.count == 12 && trials.allSatisfy { $0["status"] == "completed" })
        #expect(Set(trials.map { $0["host"]! }) == ["host-1", "host-2"])
        #expect(try Fixtures.metricsWithoutTiming(out) == Self.undisturbed(folder, sweep))
    }
}
