import ArgumentParser
import Export
import TrialFarm

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a sweep's results as an MLflow file store or as TensorBoard event files.",
        discussion: """
            Reads an output folder — finished or interrupted, also while its sweep runs, without \
            changing it — and writes one MLflow experiment (one run per trial: its parameters, its \
            metrics with their steps, tags for seed, config_id and status) or one TensorBoard run \
            folder per trial with metrics. Only completed, diverged and pruned trials have metrics. \
            Ids and times come from the folder, so exporting it again gives the same bytes. \
            TensorBoard stores float32: its values are metrics.csv's rounded to float32.
            """
    )

    @Argument(help: ArgumentHelp("The output folder of a sweep.", valueName: "folder"))
    var folder: String

    @Option(help: ArgumentHelp("What to write: mlflow or tensorboard.", valueName: "format"))
    var to: String

    @Option(help: ArgumentHelp("The folder to write (default: FOLDER/export/mlflow or FOLDER/export/tensorboard).", valueName: "folder"))
    var out: String?

    @Flag(help: "Replace an earlier export in the --out folder (a folder an export did not write is never replaced).")
    var force = false

    func validate() throws {
        guard ExportFormat(rawValue: to) != nil else {
            throw ValidationError("--to must be \(ExportFormat.allCases.map(\.rawValue).joined(separator: " or ")) (got '\(to)')")
        }
        if let out, out.isEmpty { throw ValidationError("--out must not be empty") }
    }

    func run() throws {
        let format = ExportFormat(rawValue: to)!
        let summary = try SweepExport.run(folder: folder, format: format, output: out, force: force)
        print("exported \(summary.runs) run\(summary.runs == 1 ? "" : "s") (\(summary.values) metric values, \(summary.files) files, \(ByteCount.text(summary.bytes))) to \(summary.folder)")
        switch format {
        case .mlflow: print("open: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri file:\(summary.folder)")
        case .tensorboard: print("open: tensorboard --logdir \(summary.folder) --samples_per_plugin scalars=0")
        }
    }
}
