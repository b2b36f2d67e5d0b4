import ArgumentParser
import Glibc
import TrialFarm

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Train trials for a coordinator: N worker processes, one trial at a time each.",
        discussion: """
            Each process connects to the coordinator, asks for a trial whenever it is free, streams \
            its metrics and reports its end, with heartbeats both ways. If the coordinator goes \
            away, workers reconnect with back-off; they leave when it says the sweep is over \
            (or, with --stay, wait for the next coordinator). SIGINT, SIGTERM or SIGHUP hands a running \
            trial back at once. Exit status: 0 when the coordinator ended the sweep, 75 when \
            no coordinator answered for --patience seconds.
            """
    )

    @Option(help: ArgumentHelp("The coordinator's endpoint, e.g. tcp://10.0.0.1:5555.", valueName: "endpoint"))
    var connect: String

    @Option(help: ArgumentHelp("Worker processes to run: one per core of this machine unless given.", valueName: "n"))
    var processes = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    @Flag(help: "When a sweep ends, wait for the next coordinator instead of leaving.")
    var stay = false

    @Option(help: ArgumentHelp("Leave after this many seconds without a coordinator (ignored with --stay).", valueName: "seconds"))
    var patience: Double = 3600

    @Option(help: ArgumentHelp("The name this worker reports to the coordinator (default: the host name).", valueName: "name"))
    var name: String?

    @Flag(help: "Print only errors (as --log-level error).")
    var quiet = false

    @OptionGroup var log: LogOptions

    @OptionGroup var curve: WorkerCurveOptions

    func validate() throws {
        try Endpoint.check(connect, option: "--connect")
        if let (host, reason) = Endpoint.unresolvedHost(connect) {
            throw ValidationError("--connect \(connect): the host name '\(host)' does not resolve (\(reason))")
        }
        guard (1...1024).contains(processes) else { throw ValidationError("--processes must be in 1 … 1024 (got \(processes))") }
        guard patience > 0 else { throw ValidationError("--patience must be positive (got \(patience))") }
        if let name, name.isEmpty || name.utf8.count > 200 { throw ValidationError("--name must be 1 to 200 bytes long") }
        if let name, PrintableText.hasUnsafe(name) {
            throw ValidationError("--name must be printable, without control characters (got '\(PrintableText.escaped(name))')")
        }
    }

    func run() throws {
        do {
            try work()
        } catch {
            throw worded(error)
        }
    }

    func work() throws {
        LocalWorkers.adoptParentDeath()
        Interruption.install()
        if processes > 1 {
            var arguments = ["worker", "--connect", connect, "--processes", "1", "--patience", String(patience), "--log-level", log.logLevel]
            if stay { arguments.append("--stay") }
            if quiet { arguments.append("--quiet") }
            if let name { arguments += ["--name", name] }
            arguments += curve.arguments
            _ = try curve.load()  // refuse bad key files here, once, rather than in every child
            let children = try LocalWorkers(count: processes, arguments: arguments)
            // One process told that the sweep is over (exit 0) means it is over for all: one that
            // never got through to the coordinator would otherwise wait out --patience.
            while children.running > 0 && !Interruption.requested && (stay || children.succeeded == 0) { usleep(50_000) }
            if children.running > 0 { children.signal(SIGTERM) }
            let statuses = children.wait(timeout: 10)
            throw ExitCode(statuses.first { $0 != 0 } ?? 0)
        }
        var options = WorkerOptions(endpoint: connect)
        options.stay = stay
        options.patience = stay ? nil : patience
        if let name { options.host = name }
        options.curve = try curve.load()
        let logger = log.logger("worker \(options.host)/\(getpid())", console: Console(), quiet: quiet)
        let worker = try Worker(options: options, logger: logger)
        throw ExitCode(try worker.run(shouldStop: { Interruption.requested }))
    }
}
