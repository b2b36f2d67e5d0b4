import TrialFarm

/// `depthfarm export`: a sweep's output folder — finished or interrupted, read without changing
/// it, also while its sweep runs — written as an MLflow file store or as TensorBoard event files.
/// What each holds: `MLflowStore`, `TensorBoardEvents`; run names and metric names: `ExportRun`,
/// `SeriesName`.
public enum SweepExport {
    /// What an export wrote.
    public struct Summary: Sendable, Equatable {
        /// Where it went.
        public var folder: String
        /// Runs written (MLflow: every trial; TensorBoard: the trials with metric rows).
        public var runs: Int
        /// Metric values written.
        public var values: Int
        public var files: Int
        public var bytes: Int
    }

    /// Where an export goes without `--out`: `FOLDER/export/mlflow` or `FOLDER/export/tensorboard`.
    public static func defaultOutput(of folder: String, format: ExportFormat) -> String {
        (folder.hasSuffix("/") ? String(folder.dropLast()) : folder) + "/export/" + format.rawValue
    }

    /// Exports the sweep in `folder` to `output` (default: `defaultOutput`). An existing folder that
    /// is not empty is refused unless `force`, and replaced only if an earlier export made it.
    public static func run(folder: String, format: ExportFormat, output: String? = nil, force: Bool = false) throws -> Summary {
        if FileSystem.exists(folder) && !FileSystem.isDirectory(folder) { throw InputError(folder, "is not a folder") }
        guard FileSystem.exists(folder) else { throw InputError(folder, "no such folder") }
        let plan = try ResultFolder.plan(folder)
        let store = try ResultStore(folder: folder, plan: plan, readOnly: true)
        let runs = ExportRun.all(store)
        let destination = try ExportDestination(output ?? defaultOutput(of: folder, format: format), force: force)
        do {
            let values: Int
            switch format {
            case .mlflow: values = try MLflowStore.write(store, runs: runs, to: destination)
            case .tensorboard: values = try TensorBoardEvents.write(store, runs: runs, to: destination)
            }
            try destination.commit()
            let written = format == .mlflow ? runs.count : runs.count { $0.hasRows }
            return Summary(folder: destination.path, runs: written, values: values, files: destination.files, bytes: destination.bytes)
        } catch {
            destination.abandon()
            throw error
        }
    }
}
