import TrainingCore

/// The CSV form of metric records: `epoch,step,metric,lag,value`, with `step` empty for
/// per-epoch records and `lag` empty where it does not apply. Values are written in their
/// shortest exact decimal form (`nan` and `inf` for non-finite ones), so equal bits give equal
/// text and the text reads back to the same bits.
public enum MetricCSV {
    public static let header = "epoch,step,metric,lag,value"

    /// The record's fields, without a line end.
    public static func fields(_ record: MetricRecord) -> String {
        var bytes: [UInt8] = []
        append(record, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the record's fields, without a line end, to `bytes`: the coordinator writes every
    /// metric row this way, without building strings for its integers and names.
    public static func append(_ record: MetricRecord, to bytes: inout [UInt8]) {
        let comma = UInt8(ascii: ",")
        appendDecimal(record.epoch, to: &bytes)
        bytes.append(comma)
        if let step = record.step { appendDecimal(step, to: &bytes) }
        bytes.append(comma)
        bytes += record.metric.rawValue.utf8
        bytes.append(comma)
        if let lag = record.lag { appendDecimal(lag, to: &bytes) }
        bytes.append(comma)
        bytes += format(record.value).utf8
    }

    /// `String(value)`'s digits, without the string.
    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value.magnitude, first = digits.count
            repeat {
                first -= 1
                digits[first] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            bytes += UnsafeBufferPointer(rebasing: digits[first...])
        }
    }

    /// A number as written in every CSV of the project.
    public static func format(_ value: Double) -> String {
        value.isNaN ? "nan" : "\(value)"
    }
}
