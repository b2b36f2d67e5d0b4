import TrainingCore

/// Reading an output folder back: its plan from `sweep.yaml`, and what its journal says.
public enum ResultFolder {
    /// The plan of the sweep whose results `folder` holds.
    public static func plan(_ folder: String) throws -> SweepPlan {
        let path = folder + "/sweep.yaml"
        guard FileSystem.exists(path) else { throw InputError(folder, "holds no sweep results (no sweep.yaml)") }
        let plan = try SweepPlan(try Sweep.parse(try FileSystem.readText(path), source: path), maximumTrials: Int.max)
        let recorded = try ResolvedSweep.sweepID(ofFile: path)
        guard recorded == plan.sweepID else {
            throw InputError(path, "its sweep_id does not match its sweep (written by another version of depthfarm?)")
        }
        return plan
    }

    /// Counts of the folder's trials.
    public static func report(_ store: ResultStore) -> CoordinatorReport {
        var report = CoordinatorReport()
        for index in store.plan.trials.indices {
            switch store.finished[index] {
            case nil: report.pending += 1
            case let entry? where entry.kind == .failed: report.failed += 1
            case let entry? where entry.outcome?.status == .diverged: report.diverged += 1
            default: report.completed += 1
            }
        }
        return report
    }

    /// Seconds from the first trial's start to the last one's end.
    public static func elapsed(_ store: ResultStore) -> Double {
        let entries = store.finished.compactMap { $0 }
        guard let first = entries.map(\.started).filter({ $0 > 0 }).min(), let last = entries.map(\.finished).max() else { return 0 }
        return last - first
    }
}
