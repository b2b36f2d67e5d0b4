import ArgumentParser
import TrialFarm

/// `depthfarm loadgen` (hidden): simulated workers for measuring a coordinator; see `LoadGenerator`.
struct LoadGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Simulate N workers speaking the protocol to a coordinator (for benchmarks and tests).",
        discussion: """
            Each peer is its own ZeroMQ connection: it greets, asks for trials, answers each with a \
            completed result of no epochs at once, and heartbeats, until the coordinator says \
            SHUTDOWN (peers the coordinator had not welcomed when the sweep ended give up 3 s after the rest). Prints one line: peers welcomed, peers declared dead, trials (doubled), \
            trials/s. Exit status 1 if a peer was declared dead or a trial given twice. Needs about \
            two file descriptors a peer (ulimit -n).
            """,
        shouldDisplay: false
    )

    @Option(help: ArgumentHelp("The coordinator's endpoint.", valueName: "endpoint"))
    var connect: String

    @Option(help: ArgumentHelp("Simulated workers.", valueName: "n"))
    var peers = 100

    @Option(help: ArgumentHelp("Give up after this many seconds.", valueName: "seconds"))
    var timeout = 600.0

    func validate() throws {
        guard (1...10_000).contains(peers) else { throw ValidationError("--peers must be in 1 … 10000 (got \(peers))") }
        guard timeout > 0 && timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds (got \(timeout))") }
    }

    func run() throws {
        let report = try LoadGenerator(endpoint: connect, peers: peers).run(timeout: timeout)
        print(report)
        if report.declaredDead > 0 || report.assigned != report.distinct || report.shutDown < report.welcomed { throw ExitCode.failure }
    }
}
