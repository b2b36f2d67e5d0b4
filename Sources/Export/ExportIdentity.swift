import TrialFarm

/// The ids an export gives the sweep and its trials: hashes of the study and the trial, never the
/// clock or a random number, so that exporting the same folder twice gives the same bytes and
/// a study that grew (more seeds, more draws) keeps its experiment and its runs.
enum ExportIdentity {
    /// MLflow's experiment id: decimal, as MLflow's own (the first 7 bytes of SHA-256 of the
    /// study id: below 2^56, never 0, the default experiment's id).
    static func experimentID(_ plan: SweepPlan) -> String {
        let digest = SHA256.digest(Array("depthfarm export experiment \(plan.studyID)".utf8))
        let number = digest.prefix(7).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return String(max(number, 1))
    }

    /// MLflow's run id: 32 hexadecimal digits, as MLflow's own (a UUID without dashes).
    static func runID(_ plan: SweepPlan, trial: SweepPlan.Trial) -> String {
        let digest = SHA256.digest(Array("depthfarm export run \(plan.studyID) \(SweepPlan.hex(trial.id))".utf8))
        return digest.prefix(16).map { MLflowStore.hex(UInt32($0), digits: 2).lowercased() }.joined()
    }
}
