import ArgumentParser
import TrialFarm

struct Summarize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild metrics.csv, trials.csv, summary.csv and leaderboard.csv of an output folder.",
        discussion: """
            Reads the folder's sweep.yaml, journal and completed trials — also while its sweep is \
            still running, without disturbing it — and rewrites the derived files.
            """
    )

    @Argument(help: ArgumentHelp("The output folder of a sweep.", valueName: "folder"))
    var folder: String

    func run() throws {
        let plan = try ResultFolder.plan(folder)
        let store = try ResultStore(folder: folder, plan: plan, readOnly: true)
        try ResultFiles.writeAll(store)
        let console = Console()
        for line in SweepSummary.lines(store.counts, folder: folder, seconds: store.elapsedSeconds) { console.line(line) }
    }
}
