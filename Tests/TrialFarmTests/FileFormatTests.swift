import Foundation
import Testing
import TrainingCore
@testable import TrialFarm

@Suite struct FileFormatTests {
    @Test("metric records as CSV: empty step and lag where absent, exact numbers")
    func metricCSV() {
        #expect(MetricCSV.fields(MetricRecord(epoch: 2, step: nil, metric: .testAccuracy, value: 0.5)) == "2,,test_acc,,0.5")
        #expect(MetricCSV.fields(MetricRecord(epoch: 1, step: 30, metric: .gradNorm, lag: 4, value: 1e-20)) == "1,30,grad_norm,4,1e-20")
        #expect(MetricCSV.format(.nan) == "nan" && MetricCSV.format(-.infinity) == "-inf")
        let value = 0.1 + 0.2
        #expect(Double(MetricCSV.format(value)) == value)
    }

    @Test("metric rows' integers are written digit by digit as String(_:) writes them")
    func metricCSVIntegers() {
        var integers = [0, 1, 9, 10, 11, 99, 100, 101, 65_535, 1_000_000, Int.max, -1, -10, Int.min]
        integers += (0..<18).map { 10 * Int(pow(10, Double($0))) - 1 }
        for n in integers {
            var bytes: [UInt8] = Array("x".utf8)
            MetricCSV.appendDecimal(n, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == "x" + String(n))
            let record = MetricRecord(epoch: n, step: n, metric: .weightHHSigmaMax, lag: n, value: Double(n))
            #expect(MetricCSV.fields(record) == "\(n),\(n),weight_hh_l0_sigma_max,\(n),\(Double(n))")
        }
    }

    @Test("CSV fields are quoted exactly when they hold a comma, a quote or a line break (CR LF too), and read back")
    func csvFields() {
        #expect(CSV.field("plain") == "plain" && CSV.field("ünïcødé ✓") == "ünïcødé ✓" && CSV.field("") == "")
        #expect(CSV.field("a,b") == "\"a,b\"" && CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("one\ntwo") == "\"one\ntwo\"" && CSV.field("lone\rreturn") == "\"lone\rreturn\"")
        // "\r\n" is one Character in Swift: a test by Characters against "\n" and "\r" missed it.
        #expect(CSV.field("windows\r\nline") == "\"windows\r\nline\"")
        // A quote before a combining mark is one Character with it; the quote is still doubled.
        #expect(CSV.field("a\"\u{301}b") == "\"a\"\"\u{301}b\"")
        let fields = ["x", "a,b", "é\"q\"", "plain"]
        #expect(CSV.split(Substring(CSV.row(fields).dropLast())) == fields)
        #expect(CSV.split("") == [""] && CSV.split("a,,") == ["a", "", ""])
    }

    @Test("a resolved sweep file's sweep_id is found after CR LF line ends too")
    func resolvedSweepFieldAfterCRLF() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resolved-\(UUID()).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "name: x\r\nsweep_id: abc123\r\nstudy_id: def\r\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ResolvedSweep.sweepID(ofFile: path) == "abc123" && ResolvedSweep.field("study_id", ofFile: path) == "def")
    }

    @Test("CSV rows read back field for field: line breaks inside quotes, and quotes or commas before combining marks")
    func csvRecords() {
        // As Characters, CR LF is one, and so is a quote or a comma with the mark after it.
        let rows = [["rank", "task", "note"], ["1", "a,\u{301}b", "say \"\u{301}\""], ["2", "two\nlines", "windows\r\nend"], ["3", "", "\u{301}"]]
        let text = rows.map(CSV.row).joined()
        #expect(CSV.records(Substring(text)) == rows)
        #expect(CSV.records(Substring(text.dropLast())) == rows)  // the last line end is optional
    }

    @Test("UTC timestamps: ISO 8601 to the truncated millisecond, the civil date of an independent calculation")
    func utcTimestamps() {
        #expect(UTCTimestamp.text(1_765_000_000.9996) == "2025-12-06T05:46:40.999Z")
        #expect(UTCTimestamp.text(0) == "1970-01-01T00:00:00.000Z" && UTCTimestamp.text(951_782_400.5) == "2000-02-29T00:00:00.500Z")
        #expect(UTCTimestamp.text(-1.75) == "1969-12-31T23:59:58.250Z" && UTCTimestamp.text(253_402_300_799.75) == "9999-12-31T23:59:59.750Z")
        // Times with a fraction exact in binary (k/1024 s), so that the truncated millisecond is
        // unambiguous, against days-to-civil-date (H. Hinnant's algorithm) over the whole range.
        var random = RandomStream(seed: 18, purpose: .sweepSampling)
        var mismatches: [String] = []
        for _ in 0..<100_000 {
            let seconds = -12_219_292_800 + Int64(random.next() % 265_621_593_600), k = Int64(random.next() % 1024)
            let text = UTCTimestamp.text(Double(seconds) + Double(k) / 1024)
            let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400, time = seconds - days * 86_400
            let z = days + 719_468, era = (z >= 0 ? z : z - 146_096) / 146_097, dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100), mp = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9, year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
            func padded(_ v: Int64, _ n: Int) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
            let expected = "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))T\(padded(time / 3600, 2)):\(padded(time / 60 % 60, 2))"
                + ":\(padded(time % 60, 2)).\(padded(k * 1000 / 1024, 3))Z"
            if text != expected { mismatches.append("\(text) ≠ \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        // Outside 1582-10-15 … 9999 (only a damaged file could say so) it is Foundation's own text.
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        #expect(UTCTimestamp.text(1e15) == Date(timeIntervalSince1970: 1e15).formatted(style))
    }

    @Test("a buffered file appears whole on commit, and not at all if abandoned")
    func bufferedFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("depthfarm-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let target = folder + "/out.txt"
        try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
        do {
            let abandoned = try BufferedFile(temporaryFor: target)
            abandoned.write(String(repeating: "x", count: 100_000))
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.txt"])
        let file = try BufferedFile(temporaryFor: target)
        let line = String(repeating: "y", count: 999) + "\n"
        for _ in 0..<200 { file.write(line) }
        try file.commit(to: target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == String(repeating: line, count: 200))
        #expect(throws: SystemError("write", path: "/nonexistent/out.txt", errno: ENOENT)) {
            try BufferedFile(temporaryFor: "/nonexistent/out.txt")
        }
    }

    @Test("YAML syntax errors become one line with the line number")
    func yamlErrors() {
        do {
            _ = try YAMLDocument.parse("a: 1\nb: [1, 2\nc: 3\n", source: "x.yaml")
            Issue.record("parsed")
        } catch {
            let text = String(describing: error)
            #expect(text.hasPrefix("x.yaml: line ") && !text.contains("\n"))
        }
    }
}
