import TrainingCore
import TrialFarm

/// A result folder as an MLflow file store: the layout MLflow's `FileStore` reads
/// (mlflow/store/tracking/file_store.py), with the store's root at the export folder:
///
///     EXPERIMENT_ID/meta.yaml                     the sweep: its name, times
///     EXPERIMENT_ID/RUN_ID/meta.yaml              a trial: its name, status, start and end
///     EXPERIMENT_ID/RUN_ID/params/lr              a hyperparameter, as trials.csv writes it
///     EXPERIMENT_ID/RUN_ID/tags/seed              seed, trial_id, config_id, status, mlflow.runName, …
///     EXPERIMENT_ID/RUN_ID/metrics/epoch/test_acc one line per value: `timestamp value step`
///     EXPERIMENT_ID/RUN_ID/artifacts/             empty (MLflow finds a run by metrics/, params/, artifacts/)
///
/// One experiment for the sweep, one run per trial of the plan (a trial without rows — pending,
/// failed — has its parameters and status, no metrics). The ids are derived from the study and
/// the trial (`ExportIdentity`) and the times from the journal, so the same folder exports to the
/// same bytes, and a study that grew keeps its experiment and its runs' ids. Metric values are
/// written as metrics.csv writes them (shortest exact decimal), so they read back equal.
enum MLflowStore {
    /// MLflow's RunStatus numbers (mlflow/protos/service.proto).
    static func statusNumber(_ status: TrialStatus) -> Int {
        switch status {
        case .pending: 2  // SCHEDULED
        case .completed, .diverged: 3  // FINISHED: divergence is a result (see the status tag)
        case .failed: 4  // FAILED
        case .pruned: 5  // KILLED
        }
    }

    /// Returns how many metric values it wrote.
    static func write(_ store: ResultStore, runs: [ExportRun], to destination: ExportDestination) throws -> Int {
        let experiment = ExportIdentity.experimentID(store.plan)
        let entries = store.finished.compactMap { $0 }
        let created = entries.map { milliseconds($0.started) }.min() ?? 0
        let updated = entries.map { milliseconds($0.finished) }.max() ?? created
        try destination.write("""
            artifact_location: \(yaml(fileURI(destination.absolutePath + "/" + experiment)))
            creation_time: \(created)
            experiment_id: '\(experiment)'
            last_update_time: \(updated)
            lifecycle_stage: active
            name: \(yaml(store.plan.sweep.name))

            """, to: experiment + "/meta.yaml")
        var values = 0
        for run in runs {
            let id = ExportIdentity.runID(store.plan, trial: run.trial)
            let folder = experiment + "/" + id
            let start = run.started.map(milliseconds) ?? 0
            try destination.write("""
                artifact_uri: \(yaml(fileURI(destination.absolutePath + "/" + folder + "/artifacts")))
                end_time: \(run.finished.map { String(milliseconds($0)) } ?? "null")
                entry_point_name: ''
                experiment_id: '\(experiment)'
                lifecycle_stage: active
                run_id: \(id)
                run_name: \(yaml(run.name))
                source_name: ''
                source_type: 4
                source_version: ''
                start_time: \(start)
                status: \(statusNumber(run.status))
                tags: []
                user_id: depthfarm

                """, to: folder + "/meta.yaml")
            // MLflow finds a run only if it has these three, empty or not.
            for subfolder in ["metrics", "params", "artifacts"] { try destination.createFolder(folder + "/" + subfolder) }
            for (name, value) in run.parameters { try destination.write(value, to: folder + "/params/" + name) }
            for (name, value) in run.tags { try destination.write(value, to: folder + "/tags/" + name) }
            guard run.hasRows else { continue }
            // One trial's series at a time, each in the order its values were recorded.
            var series: [String: [UInt8]] = [:]
            try store.forEachRecord(of: run.index) { record in
                series[SeriesName.of(record), default: []].append(contentsOf: "\(start) \(MetricCSV.format(record.value)) \(SeriesName.step(record))\n".utf8)
                values += 1
            }
            for name in series.keys.sorted() { try destination.write(series[name]!, to: folder + "/metrics/" + name) }
        }
        return values
    }

    /// Unix seconds as MLflow's milliseconds.
    static func milliseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }

    /// A `file://` URI of an absolute path, bytes other than unreserved ones and `/` percent-encoded.
    static func fileURI(_ path: String) -> String {
        var uri = "file://"
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                uri.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                uri += "%" + hex(UInt32(byte), digits: 2)
            }
        }
        return uri
    }

    /// `text` as a YAML double-quoted scalar: `"` and `\` escaped, and every character YAML does
    /// not allow as is (controls, line and paragraph separators, the byte-order mark) as `\uXXXX`.
    static func yaml(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028
                || scalar.value == 0x2029 || scalar.value >= 0xFFFE && scalar.value <= 0xFFFF || scalar.value == 0xFEFF:
                quoted += "\\u" + hex(scalar.value, digits: 4)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(digits - text.count, 0)) + text
    }
}
