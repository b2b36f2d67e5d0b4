import Glibc
import TrainingCore

/// The one reader of metric rows — `trial_id,config_id,seed,epoch,step,metric,lag,value`, as
/// `completed.csv` and `metrics.csv` hold them — straight from their UTF-8 bytes, without making
/// strings of their fields: summaries and reports read every row of every trial.
public enum MetricRows {
    /// The metrics' names as bytes, in `Metric.allCases` order.
    static let names: [[UInt8]] = Metric.allCases.map { Array($0.rawValue.utf8) }

    /// Calls `body` with each well-formed row as a record; other rows are skipped. With
    /// `perEpochOnly`, rows with a step (most of them) are passed over by a look at their bytes.
    public static func forEach(_ bytes: UnsafeBufferPointer<UInt8>, perEpochOnly: Bool = false, _ body: (MetricRecord) -> Void) {
        // Reused for every row: where each field starts (and, at 8, one past the row's end), and
        // the value as a C string for strtod.
        var starts = [Int](repeating: 0, count: 9)
        var number = [CChar](repeating: 0, count: 64)
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != newline { end += 1 }
            defer { start = end + 1 }
            var count = 1
            starts[0] = start
            for i in start..<end where bytes[i] == comma {
                guard count < 8 else { count += 1; break }
                starts[count] = i + 1
                count += 1
                // Columns: trial_id, config_id, seed, epoch, step, …: a per-window row has a step.
                if perEpochOnly && count == 5 && i + 1 < end && bytes[i + 1] != comma { break }
            }
            guard count == 8 else { continue }
            starts[8] = end + 1
            let field = { (n: Int) in starts[n]..<(starts[n + 1] - 1) }
            guard let epoch = integer(bytes, field(3)),
                  let metric = names.firstIndex(where: { $0.elementsEqual(bytes[field(5)]) }) else { continue }
            let text = field(7)
            guard !text.isEmpty && text.count < number.count else { continue }
            for (n, i) in text.enumerated() { number[n] = CChar(bitPattern: bytes[i]) }
            number[text.count] = 0
            let value: Double? = number.withUnsafeMutableBufferPointer { buffer in
                var parsedEnd: UnsafeMutablePointer<CChar>?
                let parsed = strtod(buffer.baseAddress!, &parsedEnd)
                return parsedEnd == buffer.baseAddress! + text.count ? parsed : nil
            }
            guard let value else { continue }
            body(MetricRecord(epoch: epoch, step: integer(bytes, field(4)), metric: Metric.allCases[metric],
                              lag: integer(bytes, field(6)), value: value))
        }
    }

    /// A non-negative decimal integer, or nil for an empty or malformed field.
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value = 0
        for i in range {
            let digit = Int(bytes[i]) &- 48
            guard (0...9).contains(digit) else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
