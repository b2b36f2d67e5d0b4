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

    @Test("the quick start's example output is what the seed experiment prints, the time aside")
    func quickStartOutput() throws {
        let readme = try Self.readme()
        let start = try #require(readme.range(of: "```\nsweep seed-experiment:"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let documented = readme[start.upperBound..<end.lowerBound].split(separator: "\n").map(String.init)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = TemporaryFolder()
        let result = try runDepthFarm(["run", root.appendingPathComponent("sweeps/seed-experiment.yaml").path, "--out", folder.file("out"), "--workers", "2"])
        #expect(result.status == 0)
        // From the count line on: the leaderboard and the results line, with the time and the folder replaced.
        let printed = result.standardError.split(separator: "\n").map(String.init).drop { !$0.hasPrefix("48 trials:") }
            .map { $0.replacing(#/\(\d+s\)$/#, with: "(4s)").replacingOccurrences(of: folder.file("out"), with: "results/seed-experiment") }
        #expect(Array(printed) == Array(documented.dropFirst()))
    }

    @Test("each option's help gives its default once")
    func defaultsOnce() throws {
        for command in ["run", "coordinator", "worker", "summarize", "status", "verify", "report", "export", "keygen", "train", "gradients"] {
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
        #expect(subcommands.count == 11)
        for command in subcommands {
            #expect(readme.contains("| `depthfarm \(command)"), "\(command)")
            let options = try runDepthFarm([command, "--help"]).standardOutput.matches(of: #/--[a-z][a-z0-9-]+/#).map { String($0.0) }
            for option in Set(options).subtracting(["--help", "--version"]) {
                #expect(readme.contains(option), "\(command) \(option)")
            }
        }
    }
}
