import Foundation

/// The repository's root folder (for the scripts under cluster/ and scripts/).
public let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// A single-node Slurm cluster on this machine, started with `cluster/slurm/local-slurm.sh` in a
/// temporary folder and stopped when the value goes. Needs root and Debian's slurm-wlm and munge;
/// `unavailableReason` says why it cannot run here.
public final class LocalSlurm: @unchecked Sendable {
    public let folder: TemporaryFolder
    /// The environment every Slurm command needs: where the cluster's configuration is.
    public let environment: [String: String]
    static var script: String { repositoryRoot + "/cluster/slurm/local-slurm.sh" }

    /// Why a local Slurm cannot be started here, or nil if one can: tries it once.
    public static let unavailableReason: String? = {
        guard getuid() == 0 else { return "a local Slurm needs root (CI runs as root)" }
        for program in ["slurmctld", "slurmd", "munged", "sbatch"] where which(program) == nil {
            return "\(program) is not installed (scripts/test installs slurm-wlm and munge)"
        }
        do {
            _ = try LocalSlurm()
            return nil
        } catch {
            return "the Slurm daemons do not start here: \(error)"
        }
    }()

    public init() throws {
        folder = TemporaryFolder("depthfarm-slurm")
        let result = try run("/bin/bash", [Self.script, "start", folder.path])
        guard result.status == 0 else {
            throw NSError(domain: "LocalSlurm", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey:
                "local-slurm.sh start: \(result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))"])
        }
        environment = ["SLURM_CONF": folder.file("slurm.conf")]
    }

    deinit { _ = try? run("/bin/bash", [Self.script, "stop", folder.path]) }

    /// Runs a Slurm command (sbatch, scontrol, scancel…) against this cluster.
    @discardableResult
    public func command(_ name: String, _ arguments: [String], environment extra: [String: String] = [:],
                        directory: String? = nil) throws -> ProcessResult {
        try run(Self.which(name) ?? name, arguments, directory: directory, environment: environment.merging(extra) { $1 })
    }

    /// Submits a batch script; its job id.
    public func submit(_ arguments: [String], environment extra: [String: String] = [:], directory: String) throws -> String {
        let result = try command("sbatch", ["--parsable"] + arguments, environment: extra, directory: directory)
        guard result.status == 0, let id = result.standardOutput.split(separator: "\n").first?.split(separator: ";").first else {
            throw NSError(domain: "LocalSlurm", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: "sbatch: \(result.standardError)"])
        }
        return String(id)
    }

    /// A job's (or, for an array, every task's) state: PENDING, RUNNING, COMPLETED, FAILED…
    public func states(_ job: String) -> [String] {
        guard let text = try? command("scontrol", ["show", "job", job, "--oneliner"]).standardOutput else { return [] }
        return text.split(separator: "\n").compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("JobState=") }.map { String($0.dropFirst("JobState=".count)) }
        }
    }

    /// Waits until every task of `job` has ended (or `timeout` passes); their final states.
    public func waitForEnd(_ job: String, timeout: Double) -> [String] {
        let ended: Set = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"]
        var states: [String] = []
        _ = waitUntil(timeout: timeout) {
            states = self.states(job)
            return !states.isEmpty && states.allSatisfy(ended.contains)
        }
        return states
    }

    static func which(_ program: String) -> String? {
        for folder in ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"] {
            let path = folder + "/" + program
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
