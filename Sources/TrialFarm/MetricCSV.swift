import TrainingCore

/// The CSV form of metric records: `epoch,step,metric,lag,value`, with `step` empty for
/// per-epoch records and `lag` empty where it does not apply. Values are written in their
/// shortest exact decimal form (`nan` and `inf` for non-finite ones), so equal bits give equal
/// text and the text reads back to the same bits.
public enum MetricCSV {
    public static let header = "epoch,step,metric,lag,value"

    /// The record's fields, without a line end.
    public static func fields(_ record: MetricRecord) -> String {
        let step = record.step.map(String.init) ?? ""
        let lag = record.lag.map(String.init) ?? ""
        return "\(record.epoch),\(step),\(record.metric.rawValue),\(lag),\(format(record.value))"
    }

    /// A number as written in every CSV of the project.
    public static func format(_ value: Double) -> String {
        value.isNaN ? "nan" : "\(value)"
    }
}
