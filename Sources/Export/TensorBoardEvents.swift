import TrainingCore
import TrialFarm

/// A result folder as TensorBoard event files: one run folder per trial with metric rows, named
/// as the trial's MLflow run (`trial-07_method=bptd_hidden=32_seed=1`), holding one file
/// `events.out.tfevents.START.depthfarm`: TFRecord framing (`TFRecord`) around serialized `Event`s —
/// first `file_version: "brain.Event:2"`, then one scalar summary per metric record
/// (`Summary.Value{tag, simple_value}`, tag and step as `SeriesName` says), in the order the
/// trial recorded them. Every event's wall time is the trial's start (from the journal), so the
/// same folder exports to the same bytes.
///
/// `simple_value` is a float32: TensorBoard shows each value rounded to float32 (to nearest), not
/// the float64 of metrics.csv.
enum TensorBoardEvents {
    static let fileVersion = "brain.Event:2"

    /// The name of a trial's event file.
    static func fileName(_ run: ExportRun) -> String {
        "events.out.tfevents.\(Int64(run.started ?? 0)).depthfarm"
    }

    /// Returns how many values it wrote.
    static func write(_ store: ResultStore, runs: [ExportRun], to destination: ExportDestination) throws -> Int {
        var values = 0
        for run in runs where run.hasRows {
            let wallTime = run.started ?? 0
            var file: [UInt8] = []
            var header = Tensorflow_Event()
            header.wallTime = wallTime
            header.fileVersion = fileVersion
            TFRecord.append(try header.serializedBytes(), to: &file)
            var records: [MetricRecord] = []
            try store.forEachRecord(of: run.index) { records.append($0) }
            for record in records {
                try TFRecord.append(event(record, wallTime: wallTime).serializedBytes(), to: &file)
            }
            values += records.count
            try destination.write(file, to: run.name + "/" + fileName(run))
        }
        return values
    }

    /// The event of one metric record: a summary with its one scalar.
    static func event(_ record: MetricRecord, wallTime: Double) -> Tensorflow_Event {
        var value = Tensorflow_Summary.Value()
        value.tag = SeriesName.of(record)
        value.simpleValue = Float(record.value)
        var event = Tensorflow_Event()
        event.wallTime = wallTime
        event.step = Int64(SeriesName.step(record))
        event.summary.value = [value]
        return event
    }
}
