import Foundation
import Testing
import TestSupport

/// The Slurm launchers of cluster/slurm/ against a real Slurm: munged, slurmctld and slurmd for
/// one node on this machine (cluster/slurm/local-slurm.sh), jobs submitted with sbatch.
@Suite(.serialized, .enabled(if: LocalSlurm.unavailableReason == nil, "\(LocalSlurm.unavailableReason ?? "")"))
struct SlurmTests {
    static var batchScript: String { repositoryRoot + "/cluster/slurm/depthfarm.sbatch" }
    static var workersScript: String { repositoryRoot + "/cluster/slurm/workers.sbatch" }

    /// CURVE keys laid out as the batch scripts expect them, in `folder/keys`.
    static func keys(in folder: TemporaryFolder) throws -> String {
        let keys = folder.file("keys")
        for name in ["coordinator", "worker"] { #expect(try runDepthFarm(["keygen", name, "--out", keys]).status == 0) }
        try FileManager.default.createDirectory(atPath: keys + "/authorized", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: keys + "/worker.public", toPath: keys + "/authorized/worker.public")
        return keys
    }

    /// The text of every file in `folder` whose name starts with `prefix` (the jobs' logs).
    static func logs(_ folder: TemporaryFolder, _ prefix: String) -> String {
        folder.entries().filter { $0.hasPrefix(prefix) }
            .map { (try? String(contentsOfFile: folder.file($0), encoding: .utf8)) ?? "" }.joined(separator: "\n")
    }

    @Test("depthfarm.sbatch: a CURVE sweep in one allocation; warned of the time limit, it stops, requeues itself and resumes")
    func batchJobRequeuesAndResumes() throws {
        let slurm = try LocalSlurm()
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("results")
        // 100 ms windows: 2 s per trial, so the warning lands mid-sweep.
        let job = try slurm.submit(["--nodes=1", "--output=\(folder.file("job-%j.log"))", Self.batchScript, sweep, out],
                                   environment: ["DEPTHFARM": depthfarmBinary(), "DEPTHFARM_KEYS": try Self.keys(in: folder),
                                                 "DEPTHFARM_SLOW_WINDOW_MS": "100"],
                                   directory: folder.path)
        #expect(Fixtures.waitForFinished(out, count: 3), "no trial finished: \(Self.logs(folder, "job-"))")
        // What `#SBATCH --signal=B:USR1@180` does shortly before the time limit.
        #expect(try slurm.command("scancel", ["--batch", "--signal=USR1", job]).status == 0)
        #expect(slurm.waitForEnd(job, timeout: 120) == ["COMPLETED"], "\(Self.logs(folder, "job-"))")

        let log = Self.logs(folder, "job-")
        #expect(log.contains("listening on tcp://0.0.0.0:") && log.contains("(CURVE, 1 authorized worker key)"))
        #expect(log.contains("the time limit is near: coordinator stopped (status 143); requeueing job \(job) to resume"))
        #expect(log.contains("job \(job) (run 2)"))
        // The second run kept what the first had finished (at least the 3 trials waited for).
        let kept = try #require(log.firstMatch(of: #/12 trials \(4 configurations × 3 seeds\), (\d+) already complete/#)).1
        #expect(Int(kept)! >= 3 && Int(kept)! < 12)
        #expect(log.contains("coordinator ended with status 0"))
        #expect(!FileManager.default.fileExists(atPath: out + "/coordinator.endpoint"))
        // Every trial once, with the numbers of an undisturbed run.
        let trials = try Fixtures.trials(out)
        #expect(trials.count == 12 && trials.allSatisfy { $0["status"] == "completed" })
        #expect(try Fixtures.metricsWithoutTiming(out) == DistributedTests.undisturbed(folder, sweep))
    }

    @Test("workers.sbatch as a job array joins a running coordinator through its results folder; a task after the end leaves at once")
    func workerArray() throws {
        let slurm = try LocalSlurm()
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("results")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, folder: folder)
        // Written as the coordinator's loop starts, just after it says where it listens.
        #expect(waitUntil(timeout: 10) { (try? String(contentsOfFile: out + "/coordinator.endpoint", encoding: .utf8)) == endpoint + "\n" })
        let environment = ["DEPTHFARM": depthfarmBinary(), "DEPTHFARM_SLOW_WINDOW_MS": "20"]
        let array = try slurm.submit(["--array=0-1", "--output=\(folder.file("workers-%A_%a.log"))", Self.workersScript, out],
                                     environment: environment, directory: folder.path)
        #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.standardError)\n\(Self.logs(folder, "workers-"))")
        #expect(slurm.waitForEnd(array, timeout: 60) == ["COMPLETED", "COMPLETED"], "\(Self.logs(folder, "workers-"))")
        let log = Self.logs(folder, "workers-")
        #expect(log.contains("task 0 of job \(array): 1 worker process(es) for \(endpoint)"))
        #expect(log.contains("task 1 of job \(array): 1 worker process(es) for \(endpoint)"))
        let trials = try Fixtures.trials(out)
        #expect(trials.count == 12 && trials.allSatisfy { $0["status"] == "completed" })

        let late = try slurm.submit(["--output=\(folder.file("late-%j.log"))", Self.workersScript, out],
                                    environment: environment, directory: folder.path)
        #expect(slurm.waitForEnd(late, timeout: 30) == ["COMPLETED"])
        #expect(Self.logs(folder, "late-").contains("the sweep in \(out) is over: nothing to do"))
    }
}
