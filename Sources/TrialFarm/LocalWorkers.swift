import CSupport
import Foundation
import Glibc

/// Worker processes started by this process (`depthfarm run`, and `depthfarm worker
/// --processes N`): copies of this executable, which end themselves if this process dies.
public final class LocalWorkers {
    /// Set in a child's environment to this process's pid; see `adoptParentDeath`.
    public static let parentVariable = "DEPTHFARM_PARENT_PID"
    let processes: [Process]

    /// Starts `count` processes of this executable with `arguments`.
    public init(count: Int, arguments: [String]) throws {
        var environment = ProcessInfo.processInfo.environment
        environment[Self.parentVariable] = String(getpid())
        var started: [Process] = []
        for _ in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            process.arguments = arguments
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                for process in started { kill(process.processIdentifier, SIGKILL) }
                throw InputError("worker processes", "cannot start: \(error.localizedDescription)")
            }
            started.append(process)
        }
        processes = started
    }

    public var pids: [Int32] { processes.map(\.processIdentifier) }

    /// How many are still running.
    public var running: Int { processes.filter(\.isRunning).count }

    /// How many have ended with exit status 0.
    public var succeeded: Int {
        processes.filter { !$0.isRunning && $0.terminationReason == .exit && $0.terminationStatus == 0 }.count
    }

    /// Sends `signal` to every process still running.
    public func signal(_ signal: Int32) {
        for process in processes where process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits up to `timeout` seconds for the processes to end, then kills the rest; their exit
    /// statuses (128 + signal for a killed one).
    @discardableResult
    public func wait(timeout: Double) -> [Int32] {
        let deadline = Date().addingTimeInterval(timeout)
        while processes.contains(where: \.isRunning) && Date() < deadline { usleep(20_000) }
        signal(SIGKILL)
        return processes.map { process in
            process.waitUntilExit()
            return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        }
    }

    /// In a child started by `LocalWorkers`: die with the parent (SIGTERM when it ends), and end
    /// at once if it has already gone.
    public static func adoptParentDeath() {
        guard let text = ProcessInfo.processInfo.environment[parentVariable], let parent = Int32(text) else { return }
        _ = depthfarm_set_parent_death_signal(SIGTERM)
        if getppid() != parent { exit(0) }
    }
}
