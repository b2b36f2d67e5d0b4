import Foundation
import Testing
import TestSupport

/// The Python that `scripts/test` installs pandas into (its venv), if any.
let testPython = ProcessInfo.processInfo.environment["DEPTHFARM_TEST_PYTHON"].flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }

/// The README's "Reading the results" recipe, run by pandas on a real sweep's folder.
@Suite struct ReadingResultsTests {
    /// The first ```python block after the README's "Reading the results" heading.
    static func recipe() throws -> String {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "### Reading the results"))
        let start = try #require(readme.range(of: "```python\n", range: section.upperBound..<readme.endIndex))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        return String(readme[start.upperBound..<end.lowerBound])
    }

    @Test("the README's pandas recipe gives summary.csv's n, mean and sem for every row, none dropped for an empty lag",
          .enabled(if: testPython != nil, "DEPTHFARM_TEST_PYTHON is not set to a Python with pandas (scripts/test sets it up in .venv-test)"))
    func pandasRecipe() throws {
        let recipe = try Self.recipe()
        #expect(recipe.split(separator: "\n").count == 5, "the README promises five lines")
        let folder = TemporaryFolder()
        let out = folder.file("out")
        #expect(try runDepthFarm(["run", try folder.write("small.yaml", Fixtures.small), "--out", out, "--workers", "2"]).status == 0)
        let script = recipe.replacingOccurrences(of: #"d = "results/seed-experiment/""#, with: #"d = "\#(out)/""#)
        #expect(script != recipe)
        let result = try run(testPython!, ["-c", script])
        #expect(result.status == 0, "\(result.standardError)")

        let printed = result.standardOutput.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(printed.first == ["method", "hidden", "epoch", "metric", "lag", "count", "mean", "sem"])
        // summary.csv: config_id, method, hidden, epoch, metric, lag, n, diverged, mean, std, sem, …
        let summary = try Fixtures.rows(out + "/summary.csv").dropFirst()
        var expected: [[String]: [String]] = [:]
        for row in summary { expected[[row[1], row[2], row[3], row[4], row[5]]] = [row[6], row[8], row[10]] }
        let rows = printed.dropFirst()
        #expect(rows.count == expected.count)
        #expect(rows.contains { $0[0] == "bptt" && $0[3] == "test_acc" && $0[4].isEmpty }, "rows without a lag are kept")
        #expect(rows.contains { $0[0] == "bptd" && $0[3] == "dldh_norm" && $0[4] == "3" })
        for row in rows {
            let want = try #require(expected[Array(row[0..<5])], "\(row)")
            #expect(row[5] == want[0], "\(row)")
            for (got, value) in zip([row[6], row[7]], [want[1], want[2]]) {
                let (a, b) = (Double(got)!, Double(value)!)
                #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "\(row) against \(want)")
            }
        }
    }
}
