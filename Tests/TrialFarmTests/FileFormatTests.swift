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
