import ArgumentParser
import TrialFarm

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say how a sweep stands, from its output folder: running or not, counts, the best so far, what is left.",
        discussion: """
            Reads the folder without changing it, also while its sweep runs: the trials by status, \
            the best configurations so far by the sweep's metric at the last epoch (95% intervals \
            clipped to the metric's range), what running the sweep again would run, and while a \
            coordinator runs, its workers with their last heartbeat and the trials they run.
            """
    )

    @Argument(help: ArgumentHelp("The output folder of a sweep.", valueName: "folder"))
    var folder: String

    @Option(help: ArgumentHelp("How many of the best configurations to list.", valueName: "k"))
    var top = 5

    func validate() throws {
        guard (1...1_000_000).contains(top) else { throw ValidationError("--top must be in 1 … 1000000 (got \(top))") }
    }

    func run() throws {
        let plan = try ResultFolder.plan(folder)
        let store = try ResultStore(folder: folder, plan: plan, readOnly: true, acceptDamage: true)
        let running = Journal.isInUse(folder: folder)
        for line in try SweepStatus.lines(store, running: running, top: top) { print(line) }
        if let live = SweepStatus.liveStatus(folder: folder, running: running) {
            for line in SweepStatus.liveLines(live, now: LiveStatus.now()) { print(line) }
        }
        let damaged = store.damage.count { !$0.superseded }
        if damaged > 0 { print("\(damaged) damaged record\(damaged == 1 ? "" : "s"): `depthfarm verify \(folder)` lists them; running the sweep again re-runs their trials") }
    }
}
