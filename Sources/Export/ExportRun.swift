import TrainingCore
import TrialFarm

/// A trial of a result folder as the exporters show it: one MLflow run, one TensorBoard run
/// folder. Everything here comes from the folder (its plan and journal), nothing from the clock,
/// so exporting the same folder twice gives the same bytes.
struct ExportRun {
    /// The trial's index in the plan (its row in trials.csv, from 0).
    let index: Int
    let trial: SweepPlan.Trial
    /// `trial-07_method=bptd_hidden=32_seed=1`: the index, the parameters that vary in the sweep
    /// (in reference order) and the seed. The run's name in MLflow and its folder in TensorBoard.
    let name: String
    let status: TrialStatus
    /// Every parameter but the seed, in reference order, written as trials.csv writes it.
    let parameters: [(name: String, value: String)]
    /// What identifies the trial and how it stands (seed, ids, status, host, …).
    let tags: [(name: String, value: String)]
    /// Unix seconds the trial's last attempt started and ended; nil if it has not finished.
    let started: Double?
    let finished: Double?
    /// Whether the folder holds metric rows for it (completed, diverged and pruned trials).
    let hasRows: Bool

    /// Every trial of `store`'s plan, in plan order.
    static func all(_ store: ResultStore) -> [ExportRun] {
        let plan = store.plan
        let varied = plan.variedParameters.filter { $0 != "seed" }
        let parameterNames = TrialConfig.parameterNames.filter { $0 != "seed" }
        let width = String(max(plan.trials.count - 1, 0)).count
        return plan.trials.enumerated().map { index, trial in
            let config = plan.configurations[Int(trial.configuration)]
            let value = { (name: String) in config.value(of: name)!.description }
            let assignments = varied.map { "\($0)=\(value($0))" } + ["seed=\(trial.seed)"]
            let number = String(index)
            let name = Self.safeName((["trial-" + String(repeating: "0", count: width - number.count) + number] + assignments).joined(separator: "_"))
            let status = store.status(index)
            let entry = store.finished[index]
            var tags: [(String, String)] = [("mlflow.runName", name), ("trial_index", String(index)),
                                             ("trial_id", SweepPlan.hex(trial.id)),
                                             ("config_id", SweepPlan.hex(plan.configurationIDs[Int(trial.configuration)])),
                                             ("seed", String(trial.seed)), ("status", status.rawValue)]
            if let entry {
                tags += [("host", entry.host), ("attempts", String(entry.attempt))]
                if let step = entry.outcome?.divergedStep { tags.append(("diverged_step", String(step))) }
                if let error = entry.error, !error.isEmpty { tags.append(("error", error)) }
            }
            return ExportRun(index: index, trial: trial, name: name, status: status,
                             parameters: parameterNames.map { ($0, value($0)) }, tags: tags,
                             started: entry.map(\.started), finished: entry.map(\.finished), hasRows: store.isComplete(index))
        }
    }

    /// `name` as one path component: a slash or a control character would make it something else.
    static func safeName(_ name: String) -> String {
        String(name.unicodeScalars.map { $0 == "/" || $0.value < 0x20 || $0.value == 0x7F ? "_" : Character($0) })
    }
}
