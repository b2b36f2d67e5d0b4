import Foundation
import Testing
import TestSupport
import TrainingCore
import TrialFarm

/// Faults a long sweep meets: workers and coordinators that die, stop or hang. Each test checks
/// that every trial ends up in the results exactly once, with the numbers of an undisturbed run.
@Suite(.serialized) struct FaultTests {
    /// 210 short trials (4 windows each).
    static let many = """
        name: many
        seeds: {count: 105}
        parameters:
          seq_len: {value: 40}
          bptt_t: {value: 10}
          batch: {value: 4}
          epochs: {value: 1}
          metrics_every: {value: 1}
          hidden: {values: [4, 6]}
        """

    /// metrics.csv (timing aside) of an undisturbed run of `sweep`.
    static func undisturbed(_ folder: TemporaryFolder, _ sweep: String) throws -> String {
        let out = folder.file("undisturbed")
        let result = try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"])
        #expect(result.status == 0)
        return try Fixtures.metricsWithoutTiming(out)
    }


    /// Every trial completed once, journaled once, with the undisturbed run's metrics.
    static func expectExactlyOnce(_ out: String, trials: Int, undisturbed: String) throws {
        let rows = try Fixtures.trials(out)
        #expect(rows.count == trials && Set(rows.map { $0["trial_id"]! }).count == trials)
        #expect(rows.allSatisfy { $0["status"] == "completed" })
        let journal = try Fixtures.journaled(out)
        #expect(journal.count == trials && journal.values.allSatisfy { $0 == 1 })
        #expect(try Fixtures.metricsWithoutTiming(out) == undisturbed)
        #expect(Fixtures.partials(out).isEmpty)
    }

    @Test("workers killed again and again while new ones start: the sweep completes, each trial once")
    func workersDie() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("many.yaml", Self.many)
        let out = folder.file("out")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, ["--heartbeat-ms", "100", "--max-attempts", "100"], folder: folder)
        var started = 0
        func worker() throws -> BackgroundProcess {
            started += 1
            return try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "1", "--name", "w\(started)"],
                                         folder: folder, name: "worker-\(started)", environment: ["DEPTHFARM_SLOW_WINDOW_MS": "10"])
        }
        var workers = try (0..<3).map { _ in try worker() }
        var kills = 0
        while coordinator.isRunning {
            usleep(150_000)
            guard coordinator.isRunning else { break }
            let victim = Int.random(in: 0..<workers.count)
            workers[victim].signal(SIGKILL)
            kills += 1
            workers[victim] = try worker()
        }
        #expect(coordinator.wait(timeout: 5) == 0, "\(coordinator.standardError)")
        #expect(kills >= 5)
        let failures = try Fixtures.trials(out).map { Int($0["failures"]!)! }.reduce(0, +)
        #expect(failures >= 1)  // some kills landed mid-trial
        try Self.expectExactlyOnce(out, trials: 210, undisturbed: try Self.undisturbed(folder, sweep))
    }

    @Test("the coordinator killed and restarted: it resumes from its journal, workers reconnect on their own")
    func coordinatorDies() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("many.yaml", Self.many)
        let out = folder.file("out")
        let endpoint = "tcp://127.0.0.1:\(freePort())"
        let arguments = ["coordinator", sweep, "--bind", endpoint, "--out", out, "--heartbeat-ms", "200"]
        let first = try BackgroundProcess(arguments, folder: folder, name: "first")
        #expect(Fixtures.endpoint(of: first) != nil)
        let workers = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "2"], folder: folder, name: "workers",
                                            environment: ["DEPTHFARM_SLOW_WINDOW_MS": "10"])
        #expect(Fixtures.waitForFinished(out, count: 40))
        first.signal(SIGKILL)
        #expect(first.wait(timeout: 10) == 137)
        let before = try Fixtures.journaled(out)
        #expect(before.count >= 40 && before.count < 210)
        // A torn last line, as a crash in the middle of an append would leave.
        let journal = try FileHandle(forWritingTo: URL(fileURLWithPath: out + "/journal.log"))
        try journal.seekToEnd()
        try journal.write(contentsOf: Data("done\t00ff".utf8))
        try journal.close()
        usleep(500_000)
        let second = try BackgroundProcess(arguments, folder: folder, name: "second")
        #expect(second.wait(timeout: 120) == 0, "\(second.standardError)")
        #expect(second.standardError.contains("\(before.count) already complete"))
        #expect(workers.wait(timeout: 20) == 0)
        try Self.expectExactlyOnce(out, trials: 210, undisturbed: try Self.undisturbed(folder, sweep))
        // The trials finished before the crash kept their first and only journal line.
        let after = try String(contentsOfFile: out + "/journal.log", encoding: .utf8)
        #expect(after.components(separatedBy: "done\t00ff").count == 1)
    }

    @Test("SIGTERM to the coordinator: journal flushed, workers told, non-zero exit, a folder that resumes")
    func gracefulCoordinatorStop() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("many.yaml", Self.many)
        let out = folder.file("out")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, folder: folder)
        let workers = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "2"], folder: folder, name: "workers",
                                            environment: ["DEPTHFARM_SLOW_WINDOW_MS": "10"])
        #expect(Fixtures.waitForFinished(out, count: 20))
        let whileRunning = try runDepthFarm(["status", out])
        #expect(whileRunning.status == 0 && whileRunning.standardOutput.hasPrefix("sweep many: 210 trials (") 
                && whileRunning.standardOutput.contains("; running\n") && whileRunning.standardOutput.contains("best so far (test_acc"),
                "\(whileRunning.standardOutput)")
        coordinator.signal(SIGTERM)
        #expect(coordinator.wait(timeout: 20) == 143)
        #expect(coordinator.standardError.contains("not run; run the same command again to resume"))
        #expect(workers.wait(timeout: 10) == 0)
        #expect(workers.standardError.contains("coordinator: the coordinator is stopping"))
        let trials = try Fixtures.trials(out)
        let done = trials.filter { $0["status"] == "completed" }.count
        let journaled = try Fixtures.journaled(out).count
        #expect(done >= 20 && done < 210 && done == journaled)
        #expect(Fixtures.partials(out).isEmpty)
        // `depthfarm status` of the stopped sweep says what a resume would run.
        let stopped = try runDepthFarm(["status", out]).standardOutput
        #expect(stopped.contains("; not running\n210 trials: \(done) completed, 0 diverged, 0 failed, \(210 - done) not finished\n"), "\(stopped)")
        #expect(stopped.hasSuffix("running the sweep again into this folder would run \(210 - done) trials\n"), "\(stopped)")
        let resumed = try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"])
        #expect(resumed.status == 0 && resumed.standardError.contains("\(done) already complete"))
        try Self.expectExactlyOnce(out, trials: 210, undisturbed: try Self.undisturbed(folder, sweep))
    }

    @Test("SIGTERM or SIGHUP (its ssh session closed) to a worker hands its trial back at once, without waiting for the heartbeat timeout",
          arguments: [SIGTERM, SIGHUP])
    func gracefulWorkerStop(signal: Int32) throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        // Heartbeats every 5 s: a dead worker would be noticed only after 15 s.
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, ["--heartbeat-ms", "5000"], folder: folder)
        let leaving = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "1", "--name", "leaving"],
                                            folder: folder, name: "leaving", environment: ["DEPTHFARM_SLOW_WINDOW_MS": "200"])
        #expect(waitUntil(timeout: 30) { !Fixtures.partials(out).isEmpty })
        let stopped = Date()
        leaving.signal(signal)
        #expect(leaving.wait(timeout: 5) == 0)
        #expect(coordinator.waitForError(timeout: 5) { $0.contains("goes back to the queue: its worker leaving/") })
        #expect(Date().timeIntervalSince(stopped) < 5)
        let staying = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "1"], folder: folder, name: "staying")
        #expect(coordinator.wait(timeout: 60) == 0)
        #expect(staying.wait(timeout: 10) == 0)
        let trials = try Fixtures.trials(out)
        #expect(trials.allSatisfy { $0["status"] == "completed" && $0["failures"] == "0" })
        #expect(trials.filter { $0["attempts"] == "2" }.count == 1)
    }

    @Test("a worker that finds no coordinator leaves after --patience with status 75 (try again later)")
    func patience() throws {
        let worker = try runDepthFarm(["worker", "--connect", "tcp://127.0.0.1:\(freePort())", "--processes", "2", "--patience", "0.5"])
        #expect(worker.status == 75)
        #expect(worker.standardError.contains("for 0 s: leaving"))
    }

    @Test("a trial that hangs is cancelled after --trial-timeout and run elsewhere")
    func hungTrial() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, ["--trial-timeout", "1", "--max-attempts", "10", "--heartbeat-ms", "200"],
                                                               folder: folder)
        // Every window of this worker takes a minute: its trials send nothing.
        let hanging = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "1", "--name", "hanging"],
                                            folder: folder, name: "hanging", environment: ["DEPTHFARM_SLOW_WINDOW_MS": "60000"])
        #expect(waitUntil(timeout: 30) { !Fixtures.partials(out).isEmpty })
        let healthy = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "1", "--name", "healthy"],
                                            folder: folder, name: "healthy")
        #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.standardError)")
        #expect(coordinator.standardError.contains("it sent nothing for 1.0 s (the trial timeout)"))
        #expect(hanging.wait(timeout: 10) == 0 && healthy.wait(timeout: 10) == 0)
        let trials = try Fixtures.trials(out)
        #expect(trials.allSatisfy { $0["status"] == "completed" && $0["host"] == "healthy" })
        #expect(trials.contains { Int($0["failures"]!)! >= 1 })
    }

    @Test("the network splits: a cut-off worker's trial is re-run elsewhere, its late results dropped, and it rejoins",
          .enabled(if: NetworkNamespaces.unavailableReason == nil, "\(NetworkNamespaces.unavailableReason ?? "")"))
    func networkSplit() throws {
        let net = try NetworkNamespaces(spokes: 2)
        let folder = TemporaryFolder()
        let sweep = try folder.write("split.yaml", """
            seeds: [0, 1, 2, 3, 4, 5]
            parameters:
              seq_len: {value: 400}
              bptt_t: {value: 10}
              batch: {value: 4}
              hidden: {value: 8}
              epochs: {value: 1}
              metrics_every: {value: 1}
            """)
        let out = folder.file("out")
        let (program, arguments) = NetworkNamespaces.inside(net.hub, [depthfarmBinary(), "coordinator", sweep, "--bind", "tcp://0.0.0.0:5702", "--insecure",
                                                                      "--out", out, "--heartbeat-ms", "200"])
        let coordinator = try BackgroundProcess(arguments, program: program, folder: folder, name: "coordinator")
        #expect(Fixtures.endpoint(of: coordinator) != nil)
        var workers: [BackgroundProcess] = []
        for (n, spoke) in net.spokes.enumerated() {
            // 40 windows of 50 ms: each trial takes 2 s.
            let (program, arguments) = NetworkNamespaces.inside(spoke.name, [
                depthfarmBinary(), "worker", "--connect", "tcp://\(spoke.hubAddress):5702", "--processes", "1", "--name", "host-\(n + 1)",
            ])
            workers.append(try BackgroundProcess(arguments, program: program, folder: folder, name: "host-\(n + 1)",
                                                 environment: ["DEPTHFARM_SLOW_WINDOW_MS": "50"]))
        }
        #expect(waitUntil(timeout: 30) { Fixtures.partials(out).count == 2 })
        usleep(300_000)
        try net.setLink(spoke: 0, up: false)
        usleep(1_200_000)  // twice the coordinator's 0.6 s heartbeat timeout
        try net.setLink(spoke: 0, up: true)
        #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.standardError)")
        for worker in workers { #expect(worker.wait(timeout: 20) == 0, "\(worker.standardError)") }
        let log = coordinator.standardError
        #expect(log.contains("worker host-1/") && log.contains("goes back to the queue"))
        #expect(log.contains("stale attempt"))  // host-1's late results, dropped
        let trials = try Fixtures.trials(out)
        #expect(trials.filter { $0["failures"] == "1" }.count == 1)
        #expect(trials.contains { $0["host"] == "host-1" })  // it rejoined and worked again
        try Self.expectExactlyOnce(out, trials: 6, undisturbed: try Self.undisturbed(folder, sweep))
    }
}
