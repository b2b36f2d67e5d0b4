import Foundation
import Testing
import TestSupport
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

    @Test("each option's help gives its default once")
    func defaultsOnce() throws {
        for command in ["run", "coordinator", "worker", "summarize", "verify", "report", "keygen", "train", "gradients"] {
            let help = try runDepthFarm([command, "--help"]).standardOutput
            let options = try #require(help.range(of: "OPTIONS:")).upperBound
            // One block per option: a line starting with two spaces and a dash, and its continuation lines.
            for block in help[options...].split(separator: "\n  -") {
                #expect(block.components(separatedBy: "default").count <= 2, "\(command): \(block)")
            }
        }
    }

    @Test("every subcommand has a row in the README's command table, and every option of each is documented")
    func commands() throws {
        let readme = try Self.readme()
        let help = try runDepthFarm(["--help"]).standardOutput
        let list = try #require(help.range(of: "SUBCOMMANDS:")).upperBound
        // The list runs to the first empty line.
        let subcommands = help[list...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst().prefix { !$0.isEmpty }.compactMap { line in
            line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil
        }
        #expect(subcommands.count == 10)
        for command in subcommands {
            #expect(readme.contains("| `depthfarm \(command)"), "\(command)")
            let options = try runDepthFarm([command, "--help"]).standardOutput.matches(of: #/--[a-z][a-z0-9-]+/#).map { String($0.0) }
            for option in Set(options).subtracting(["--help", "--version"]) {
                #expect(readme.contains(option), "\(command) \(option)")
            }
        }
    }
}
