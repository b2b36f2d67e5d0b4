import ArgumentParser
import Dashboard
import Foundation
import TrialFarm

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a sweep on this machine: a coordinator in this process and local worker processes.",
        discussion: """
            A sweep file (YAML, W&B's sweep format) names the parameters and their values or \
            distributions (`parameters:`, each `{value: …}`, `{values: […]}` or `{distribution: …}`), \
            the `seeds`, the `method` (grid, random, bayes, race), the `metric` to rank by, and \
            optionally `early_terminate`; every parameter not named keeps its default (`depthfarm \
            train --help` lists them). The README's "Sweep files" section has the whole format.

            The coordinator listens on a Unix socket, reachable from this machine only. Results go to the output folder as trials \
            finish; running the same sweep into the same folder again skips the trials already \
            complete. Exit status: 0 when every trial completed or diverged, 1 when any failed, \
            128 + signal when interrupted (the folder stays resumable).
            """
    )

    @Argument(help: ArgumentHelp("The sweep file (YAML).", valueName: "sweep"))
    var sweep: String

    @Option(help: ArgumentHelp("The output folder (default: results/NAME, NAME the sweep's name).", valueName: "folder"))
    var out: String?

    @Option(help: ArgumentHelp("Worker processes to start: one per core of this machine unless given.", valueName: "n"))
    var workers = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    @OptionGroup var farm: FarmOptions

    @OptionGroup var log: LogOptions

    @OptionGroup var live: DashboardOptions

    @Flag(help: "Allow --dashboard on an address other machines can reach without --dashboard-token (prints a warning).")
    var insecure = false

    func validate() throws {
        guard (1...1024).contains(workers) else { throw ValidationError("--workers must be in 1 … 1024 (got \(workers))") }
        _ = try live.checkExposure(insecure: insecure)
    }

    func run() throws {
        do {
            try runSweep()
        } catch {
            throw worded(error)
        }
    }

    func runSweep() throws {
        let console = Console()
        let plan = try farm.plan(sweep, notes: { console.line("note: \($0)") })
        let folder = out ?? plan.sweep.defaultFolder
        let token = try live.token()
        Interruption.install()
        let store = try farm.openStore(folder, plan: plan, console: console)
        // A Unix socket: local only, and cheaper than TCP over loopback.
        let socket = "\(FileManager.default.temporaryDirectory.path)/depthfarm-\(getpid()).sock"
        defer { unlink(socket) }
        let logger = log.logger("coordinator", console: console)
        if let warning = try live.checkExposure(insecure: insecure) { logger.warning("\(warning)") }
        let coordinator = try Coordinator(store: store, options: farm.coordinatorOptions(bind: "ipc://" + socket), console: console,
                                          logger: logger)
        let complete = store.plan.trials.indices.filter { store.isComplete($0) }.count
        let remaining = SweepPlan.trialCount(plan.sweep) - complete
        let started = min(workers, max(remaining, 1))
        console.line("sweep \(plan.sweep.name): \(SweepSummary.size(plan))" + (complete > 0 ? ", \(complete) already complete" : "")
                     + "; \(started) worker\(started == 1 ? "" : "s"); results in \(folder)/")
        let local = remaining > 0
            ? try LocalWorkers(count: started,
                               arguments: ["worker", "--connect", coordinator.endpoint, "--processes", "1", "--patience", "30",
                                           "--log-level", "error"])
            : nil
        // After the workers start, so that they do not inherit its socket (NIO's are not close-on-exec).
        let dashboard: Dashboard?
        do {
            dashboard = try live.start(folder: folder, live: coordinator.live, token: token, console: console, logger: logger)
        } catch {
            local?.signal(SIGTERM)
            local?.wait(timeout: 5)
            throw error
        }
        defer { dashboard?.stop() }
        let start = ContinuousClock.now
        let report = try coordinator.run(shouldStop: { Interruption.requested })
        dashboard?.stop()
        local?.wait(timeout: 10)
        printEnd(report, folder: folder, since: start, console: console)
        throw exitStatus(report, reportWritten: writeReport(farm, folder: folder, console: console))
    }
}
