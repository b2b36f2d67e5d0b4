import Foundation
import Glibc

/// A Unix time as ISO 8601 in UTC to the millisecond, `2026-12-04T17:31:02.123Z`: the logs' and
/// `trials.csv`'s timestamps.
///
/// Written from the C library's `gmtime_r` rather than by Foundation's `ISO8601FormatStyle`,
/// which reaches the time-zone database through ICU and so maps megabytes of ICU into every worker
/// process for its first log line. The text is the one that style wrote up to Swift 6.3 (what the
/// project's earlier files hold): the milliseconds truncated from the time since 2001 as `Date`
/// holds it.
enum UTCTimestamp {
    /// Date's reference date, 2001-01-01T00:00:00Z, in Unix seconds.
    static let referenceDate: Double = 978_307_200

    static func text(_ unixSeconds: Double) -> String {
        // From 1582-10-15 (before it Foundation's ISO 8601 calendar is Julian, gmtime_r's is not)
        // to the end of year 9999 (four digits); anything else, which only a damaged file could
        // hold, as Foundation writes it.
        guard unixSeconds >= -12_219_292_800 && unixSeconds < 253_402_300_800 else {
            return Date(timeIntervalSince1970: unixSeconds).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        let sinceReference = unixSeconds - referenceDate
        let whole = sinceReference.rounded(.down)
        var seconds = time_t(whole) + time_t(referenceDate)
        let milliseconds = min(999, Int((sinceReference - whole) * 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(unsafeUninitializedCapacity: 24) { text in
            var end = 0
            func put(_ value: Int32, _ digits: Int, then separator: Unicode.Scalar) {
                var value = Int(value)
                for k in (0..<digits).reversed() {
                    text[end + k] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                text[end + digits] = UInt8(ascii: separator)
                end += digits + 1
            }
            put(parts.tm_year + 1900, 4, then: "-")
            put(parts.tm_mon + 1, 2, then: "-")
            put(parts.tm_mday, 2, then: "T")
            put(parts.tm_hour, 2, then: ":")
            put(parts.tm_min, 2, then: ":")
            put(parts.tm_sec, 2, then: ".")
            put(Int32(milliseconds), 3, then: "Z")
            return end
        }
    }
}
