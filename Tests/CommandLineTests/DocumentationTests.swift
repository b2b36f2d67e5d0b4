import Foundation
import Testing
import TrainingCore

/// The README's reference sections against the code they describe.
@Suite struct DocumentationTests {
    static func readme() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    }

    @Test("the configuration reference lists every parameter with its default")
    func parameters() throws {
        let readme = try Self.readme()
        for parameter in TrialConfig.parameters {
            let row = "| `\(parameter.name)` | \(parameter.values.replacingOccurrences(of: " | ", with: ", ")) | \(parameter.defaultValue) |"
            #expect(readme.contains(row), "\(row)")
        }
    }

    @Test("every metric is documented")
    func metrics() throws {
        let readme = try Self.readme()
        for metric in Metric.allCases where !metric.rawValue.hasPrefix("weight_hh_l1") {
            #expect(readme.contains("`\(metric.rawValue)`"), "\(metric.rawValue)")
        }
    }
}
