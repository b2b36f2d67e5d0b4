import ArgumentParser
import TrialFarm

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an output folder against its checksums: every journal line, every trial's rows, every checkpoint.",
        discussion: """
            Reads the folder without changing it (also while its sweep runs) and prints one line \
            per problem: what is damaged, and what running the sweep again does about it (re-runs \
            the trials it touches). Exits 0 when nothing is missing, 1 otherwise.
            """
    )

    @Argument(help: ArgumentHelp("The output folder of a sweep.", valueName: "folder"))
    var folder: String

    func run() throws {
        let plan = try ResultFolder.plan(folder)
        let store = try ResultStore(folder: folder, plan: plan, readOnly: true, acceptDamage: true)
        let console = Console()
        for damage in store.damage where !damage.superseded {
            console.line("\(folder)/\(damage)" + (damage.trial != nil ? " — running the sweep again re-runs its trial" : ""))
        }
        let superseded = store.damage.count { $0.superseded }
        if superseded > 0 {
            console.line("\(folder): \(superseded) damaged record\(superseded == 1 ? " is" : "s are") superseded by whole records of the same trials (re-run since)")
        }
        let recorded = store.plan.trials.indices.filter { store.isComplete($0) }
        let bytes = recorded.reduce(0) { $0 + (store.finished[$1]?.rows?.count ?? 0) }
        let problems = store.damage.filter { !$0.superseded && !$0.isCheckpoint }.count
        console.line("\(folder): \(recorded.count) of \(store.plan.trials.count) trials recorded whole (\(bytes) bytes of rows)"
                     + (store.damage.isEmpty ? "; every checksum holds" : problems == 0 ? "; nothing is missing"
                        : "; \(problems) problem\(problems == 1 ? "" : "s")"))
        if problems > 0 { throw ExitCode.failure }
    }
}
