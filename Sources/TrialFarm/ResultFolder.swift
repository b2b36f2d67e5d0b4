import TrainingCore

/// Reading an output folder's sweep back from its `sweep.yaml`.
public enum ResultFolder {
    /// The plan of the sweep whose results `folder` holds.
    public static func plan(_ folder: String) throws -> SweepPlan {
        let path = folder + "/sweep.yaml"
        guard FileSystem.exists(path) else { throw InputError(folder, "holds no sweep results (no sweep.yaml)") }
        let plan = try SweepPlan(try Sweep.parse(try FileSystem.readUTF8(path), source: path), maximumTrials: Int.max)
        let recorded = try ResolvedSweep.sweepID(ofFile: path)
        guard recorded == plan.sweepID else {
            throw InputError(path, "its sweep_id does not match its sweep (written by another version of depthfarm?)")
        }
        return plan
    }
}
