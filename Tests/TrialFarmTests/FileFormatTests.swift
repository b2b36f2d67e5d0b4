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

    @Test("CSV fields are quoted exactly when they hold a comma, a quote or a line break (CR LF too), and read back")
    func csvFields() {
        #expect(CSV.field("plain") == "plain" && CSV.field("ünïcødé ✓") == "ünïcødé ✓" && CSV.field("") == "")
        #expect(CSV.field("a,b") == "\"a,b\"" && CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("one\ntwo") == "\"one\ntwo\"" && CSV.field("lone\rreturn") == "\"lone\rreturn\"")
        // "\r\n" is one Character in Swift: a test by Characters against "\n" and "\r" missed it.
        #expect(CSV.field("windows\r\nline") == "\"windows\r\nline\"")
        let fields = ["x", "a,b", "é\"q\"", "plain"]
        #expect(CSV.split(Substring(CSV.row(fields).dropLast())) == fields)
    }

    @Test("UTC timestamps are the text Foundation's ISO 8601 style writes, to the truncated millisecond")
    func utcTimestamps() {
        #expect(UTCTimestamp.text(1_765_000_000.9996) == "2025-12-06T05:46:40.999Z")
        #expect(UTCTimestamp.text(0) == "1970-01-01T00:00:00.000Z" && UTCTimestamp.text(951_782_400.5) == "2000-02-29T00:00:00.500Z")
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var random = RandomStream(seed: 18, purpose: .sweepSampling)
        var mismatches: [Double] = []
        for i in 0..<100_000 {
            var t = Double(random.next() % 4_102_444_800_000) / 1000  // whole milliseconds to 2100, as clocks give them
            if i % 2 == 1 { t += Double(random.next() % 1000) / 1e6 }
            if i % 5 == 0 { t = t.rounded(.down) + 0.999_9 }
            if UTCTimestamp.text(t) != Date(timeIntervalSince1970: t).formatted(style) { mismatches.append(t) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        // Outside years 1–9999 (only a damaged file could say so) it is Foundation's own text.
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
