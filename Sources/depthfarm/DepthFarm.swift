import ArgumentParser
import TrialFarm

@main
struct DepthFarm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depthfarm",
        abstract: "Recurrent-network optimization studies (BPTT and BPTD) as a distributed trial farm.",
        version: DepthFarmVersion.current,
        subcommands: [Run.self, CoordinatorCommand.self, WorkerCommand.self, Status.self, Summarize.self, Report.self, ExportCommand.self, Verify.self, Keygen.self, Train.self, Gradients.self, LoadGen.self]
    )
}
