import ArgumentParser
import Dashboard
import TrialFarm

struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a sweep's coordinator; workers on any host join with `depthfarm worker --connect`.",
        discussion: """
            Binds a ZeroMQ ROUTER socket at --bind, hands trials to the workers that connect, and \
            writes results to the output folder as they arrive. Ends when every trial has \
            finished, telling the workers; restarted on the same folder, it resumes where it \
            stopped. Exit status as for `run`.
            """
    )

    @Argument(help: ArgumentHelp("The sweep file (YAML).", valueName: "sweep"))
    var sweep: String

    @Option(help: ArgumentHelp("The endpoint to listen on, e.g. tcp://0.0.0.0:5555.", valueName: "endpoint"))
    var bind: String

    @Option(help: ArgumentHelp("The output folder (default: results/NAME, NAME the sweep's name).", valueName: "folder"))
    var out: String?

    @OptionGroup var farm: FarmOptions

    @OptionGroup var curve: CoordinatorCurveOptions

    @OptionGroup var log: LogOptions

    @OptionGroup var live: DashboardOptions

    func validate() throws {
        try Endpoint.check(bind, option: "--bind")
        _ = try live.checkExposure(insecure: curve.insecure)
    }

    func run() throws {
        do {
            try coordinate()
        } catch {
            throw worded(error)
        }
    }

    func coordinate() throws {
        let console = Console()
        let plan = try farm.plan(sweep, notes: { console.line("note: \($0)") })
        let folder = out ?? plan.sweep.defaultFolder
        let token = try live.token()
        var options = farm.coordinatorOptions(bind: bind)
        options.curve = try curve.load()
        let warning = try curve.checkExposure(of: bind)
        Interruption.install()
        let logger = log.logger("coordinator", console: console)
        if let warning { logger.warning("\(warning)") }
        if let warning = try live.checkExposure(insecure: curve.insecure) { logger.warning("\(warning)") }
        let store = try farm.openStore(folder, plan: plan, console: console)
        let coordinator = try Coordinator(store: store, options: options, console: console, logger: logger)
        let security = options.curve.map { "CURVE, \($0.authorized.count) authorized worker key\($0.authorized.count == 1 ? "" : "s")" } ?? "no encryption"
        let complete = store.plan.trials.indices.filter { store.isComplete($0) }.count
        console.line("sweep \(plan.sweep.name): \(SweepSummary.size(plan))" + (complete > 0 ? ", \(complete) already complete" : "")
                     + "; listening on \(coordinator.endpoint) (\(security)); results in \(folder)/")
        let dashboard = try live.start(folder: folder, live: coordinator.live, token: token, console: console, logger: logger)
        defer { dashboard?.stop() }
        let start = ContinuousClock.now
        let report = try coordinator.run(shouldStop: { Interruption.requested })
        dashboard?.stop()
        printEnd(report, folder: folder, since: start, console: console)
        throw exitStatus(report, reportWritten: writeReport(farm, folder: folder, console: console))
    }
}
