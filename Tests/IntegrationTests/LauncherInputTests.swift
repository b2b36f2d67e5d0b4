import Foundation
import Testing
import TestSupport

/// The launchers under cluster/ refuse bad settings with one line before they start anything
/// (no Slurm or ssh needed: they stop before using either).
@Suite struct LauncherInputTests {
    @Test("bad input to a launcher: one line naming the problem, non-zero exit, nothing started",
          arguments: [
            ("slurm/depthfarm.sbatch", ["SWEEP"], ["SLURM_JOB_ID": "1"], "usage: sbatch depthfarm.sbatch SWEEP RESULTS"),
            ("slurm/depthfarm.sbatch", ["SWEEP", "OUT"], [:], "not inside a Slurm job"),
            ("slurm/depthfarm.sbatch", ["/nonexistent.yaml", "OUT"], ["SLURM_JOB_ID": "1"], "cannot read the sweep file '/nonexistent.yaml'"),
            ("slurm/depthfarm.sbatch", ["SWEEP", "OUT"], ["SLURM_JOB_ID": "1"], "set DEPTHFARM_KEYS to a folder of CURVE keys, or DEPTHFARM_INSECURE=1"),
            ("slurm/depthfarm.sbatch", ["SWEEP", "OUT"], ["SLURM_JOB_ID": "1", "DEPTHFARM_KEYS": "/nonexistent"], "'/nonexistent/coordinator.secret' is missing"),
            ("slurm/depthfarm.sbatch", ["SWEEP", "OUT"], ["SLURM_JOB_ID": "1", "DEPTHFARM": "/nonexistent/depthfarm"], "cannot run '/nonexistent/depthfarm'"),
            ("slurm/workers.sbatch", [], ["SLURM_JOB_ID": "1"], "usage: sbatch [--array=…] workers.sbatch RESULTS|tcp://HOST:PORT"),
            ("slurm/workers.sbatch", ["/nonexistent"], ["SLURM_JOB_ID": "1"], "'/nonexistent' is neither a results folder nor a tcp:// endpoint"),
            ("slurm/workers.sbatch", ["tcp://h:1"], ["SLURM_JOB_ID": "1", "DEPTHFARM_KEYS": "/nonexistent"], "'/nonexistent/coordinator.public' is missing"),
            ("ssh/depthfarm-ssh", ["HOSTS", "SWEEP"], [:], "usage: depthfarm-ssh HOSTS SWEEP RESULTS"),
            ("ssh/depthfarm-ssh", ["/nonexistent", "SWEEP", "OUT"], [:], "cannot read the hosts file '/nonexistent'"),
            ("ssh/depthfarm-ssh", ["HOSTS", "/nonexistent.yaml", "OUT"], [:], "cannot read the sweep file '/nonexistent.yaml'"),
            ("ssh/depthfarm-ssh", ["EMPTY", "SWEEP", "OUT"], [:], "lists no hosts"),
            ("ssh/depthfarm-ssh", ["BADCOUNT", "SWEEP", "OUT"], [:], "badcount-hosts:2: processes must be a positive number (got 'two')"),
            ("ssh/depthfarm-ssh", ["EXTRA", "SWEEP", "OUT"], [:], "extra-hosts:1: expected '[user@]host [processes]', got 'node-1 2 3'"),
            ("ssh/depthfarm-ssh", ["HOSTS", "SWEEP", "OUT"], [:], "set DEPTHFARM_KEYS to a folder of CURVE keys, or DEPTHFARM_INSECURE=1"),
          ])
    func badInput(script: String, arguments: [String], environment: [String: String], message: String) throws {
        let folder = TemporaryFolder()
        let files = [
            "SWEEP": try folder.write("sweep.yaml", Fixtures.small),
            "HOSTS": try folder.write("hosts", "node-1 2\n"),
            "EMPTY": try folder.write("empty-hosts", "# nobody\n\n"),
            "BADCOUNT": try folder.write("badcount-hosts", "node-1\nnode-2 two\n"),
            "EXTRA": try folder.write("extra-hosts", "node-1 2 3\n"),
            "OUT": folder.file("out"),
        ]
        let before = try FileManager.default.subpathsOfDirectory(atPath: folder.path).sorted()
        var variables = ["DEPTHFARM": depthfarmBinary(), "SLURM_JOB_ID": "", "DEPTHFARM_KEYS": "", "DEPTHFARM_INSECURE": ""]
        variables.merge(environment) { $1 }
        let result = try run("/bin/bash", [repositoryRoot + "/cluster/" + script] + arguments.map { files[$0] ?? $0 }, environment: variables)
        #expect(result.status != 0)
        #expect(result.errorLines.count == 1 && result.standardError.contains(message), "\(result.standardError)")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: folder.path).sorted() == before)
    }
}
