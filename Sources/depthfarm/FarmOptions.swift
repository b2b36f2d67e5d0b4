import ArgumentParser
import SweepReport
import TrialFarm

/// Options shared by the commands that coordinate a sweep (`run`, `coordinator`).
struct FarmOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Refuse a sweep of more trials than this, before starting.", valueName: "n"))
    var maxTrials = 1_000_000

    @Option(help: ArgumentHelp("Give a trial up as failed after this many lost attempts (dead worker, error, timeout).", valueName: "n"))
    var maxAttempts = 3

    @Option(help: ArgumentHelp("Cancel and retry a trial that sends nothing for this many seconds (default: never).", valueName: "seconds"))
    var trialTimeout: Double?

    @Option(help: ArgumentHelp("Heartbeat interval, both ways.", valueName: "milliseconds"))
    var heartbeatMs = 1000

    @Option(help: ArgumentHelp("Heartbeats a peer may miss before it counts as dead.", valueName: "n"))
    var liveness = 3

    @Option(help: ArgumentHelp("Have workers send a checkpoint every this many epochs, so that a lost attempt resumes from the latest (default: only where early stopping pauses a trial).",
                               valueName: "epochs"))
    var checkpointEvery: Int?

    @Option(help: ArgumentHelp("Fail a trial whose metric rows grow beyond this size, e.g. 500M (default: 8G): a runaway trial cannot fill the disk.",
                               valueName: "bytes"))
    var maxTrialBytes: String?

    @Flag(help: "Start the output folder afresh if it holds another sweep's results.")
    var force = false

    @Flag(help: "When the sweep ends (or is stopped), write its figures to report.html in the output folder (as `depthfarm report`).")
    var report = false

    func validate() throws {
        guard maxTrials >= 1 else { throw ValidationError("--max-trials must be at least 1 (got \(maxTrials))") }
        guard (1...1000).contains(maxAttempts) else { throw ValidationError("--max-attempts must be in 1 … 1000 (got \(maxAttempts))") }
        if let trialTimeout, !(trialTimeout > 0 && trialTimeout.isFinite) {
            throw ValidationError("--trial-timeout must be a positive number of seconds (got \(trialTimeout))")
        }
        guard (10...3_600_000).contains(heartbeatMs) else { throw ValidationError("--heartbeat-ms must be in 10 … 3600000 (got \(heartbeatMs))") }
        guard (1...1000).contains(liveness) else { throw ValidationError("--liveness must be in 1 … 1000 (got \(liveness))") }
        if let checkpointEvery, !(1...1_000_000).contains(checkpointEvery) {
            throw ValidationError("--checkpoint-every must be in 1 … 1000000 (got \(checkpointEvery))")
        }
        if let maxTrialBytes, ByteCount.parse(maxTrialBytes) == nil {
            throw ValidationError("--max-trial-bytes must be a positive size such as 500M or 8G (got \(maxTrialBytes))")
        }
    }

    /// Opens the output folder for the sweep and says what opening it found: the study grown,
    /// damage set aside to run again.
    func openStore(_ folder: String, plan: SweepPlan, console: Console) throws -> ResultStore {
        let store = try ResultStore(folder: folder, plan: plan, force: force)
        if let maxTrialBytes { store.maximumTrialBytes = ByteCount.parse(maxTrialBytes)! }
        if let growth = store.growth { console.line("the study grows: \(growth)") }
        for damage in store.damage where !damage.superseded {
            console.line("warning: \(folder)/\(damage): set aside" + (damage.trial == nil ? "" : ", its trial runs again"))
        }
        return store
    }

    func coordinatorOptions(bind: String) -> CoordinatorOptions {
        var options = CoordinatorOptions(bind: bind)
        options.heartbeatMilliseconds = heartbeatMs
        options.liveness = liveness
        options.maximumAttempts = maxAttempts
        options.trialTimeout = trialTimeout
        options.checkpointEvery = checkpointEvery
        return options
    }

    /// The sweep file's plan, or an error line per problem; `notes` hears of keys it ignores.
    func plan(_ path: String, notes: (String) -> Void) throws -> SweepPlan {
        let sweep = try Sweep.load(path: path, notes: notes)
        do {
            return try SweepPlan(sweep, maximumTrials: maxTrials)
        } catch let error as InputError {
            throw InputError(path, error.message)
        } catch {
            throw worded(error, sweep: path)
        }
    }
}

/// Writes `folder`'s report.html if `--report` asked for it, and says where; false if it was asked
/// for and could not be written (the results stand; the exit status says the report is missing).
func writeReport(_ farm: FarmOptions, folder: String, console: Console) -> Bool {
    guard farm.report else { return true }
    let destination = folder + "/report.html"
    do {
        try SweepReport.write(folder: folder, to: destination, options: SweepReport.Options(running: false))
        console.line("report: \(destination)")
        return true
    } catch {
        console.line("error: the report could not be written: \(error)")
        return false
    }
}

/// The lines a sweep command ends with: the counts, the top of the leaderboard, where the results
/// are — and, when it was stopped, how to go on.
func printEnd(_ report: CoordinatorReport, folder: String, since start: ContinuousClock.Instant, console: Console) {
    let (whole, fraction) = (ContinuousClock.now - start).components
    for line in SweepSummary.lines(report.counts, folder: folder, seconds: Double(whole) + Double(fraction) * 1e-18) { console.line(line) }
    if report.interrupted {
        console.line("interrupted: \(report.counts.pending) trial\(report.counts.pending == 1 ? "" : "s") not run; run the same command again to resume")
    }
}

/// The exit status of a finished sweep command: interrupted 128 + signal, any failed trial or a
/// requested report not written 1, otherwise 0.
func exitStatus(_ report: CoordinatorReport, reportWritten: Bool) -> ExitCode {
    if report.interrupted { return ExitCode(128 + (Interruption.signal == 0 ? 2 : Interruption.signal)) }
    return report.counts.failed > 0 || !reportWritten ? .failure : .success
}
