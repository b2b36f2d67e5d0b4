import Foundation
import Testing
import TrainingCore
@testable import TrialFarm

/// What the terminal shows of numbers and standings.
@Suite struct DisplayTests {
    @Test("numbers for people: significant digits, no trailing zeros, exponents kept", arguments: [
        (0.002518460893081319, "0.002518"), (0.871768156411046, "0.8718"), (1e-08, "1e-8"), (50.0, "50"),
        (0.5, "0.5"), (1.04945, "1.049"), (123456.0, "1.235e5"), (-0.25, "-0.25"), (Double.nan, "nan"), (-Double.infinity, "-inf"),
    ])
    func significant(_ value: Double, _ expected: String) {
        #expect(SignificantDigits.format(value, digits: 4) == expected)
    }

    @Test("a parameter's text keeps its words and short numbers, and cuts long ones")
    func significantText() {
        #expect(SignificantDigits.format("bptd") == "bptd" && SignificantDigits.format("64") == "64" && SignificantDigits.format("0.0003") == "0.0003")
        #expect(SignificantDigits.format("0.002518460893081319", digits: 4) == "0.002518" && SignificantDigits.format("0.002518460893081319") == "0.00252")
    }

    @Test("a text table pads each column to its widest cell and cuts trailing spaces")
    func textTable() {
        #expect(TextTable.aligned([["a", "bb", "c"], ["ddd", "e", ""]]) == ["  a    bb  c", "  ddd  e"])
    }

    @Test("standings rank configurations by the sweep's aggregate, ties by configuration, intervals clipped to the metric's range")
    func standings() throws {
        let sweep = try Sweep.parse("seeds: [0, 1, 2]\nmetric: {name: test_loss, goal: minimize}\nparameters:\n  hidden: {values: [4, 8, 16]}\n", source: "s.yaml")
        var standings = Standings(sweep: sweep)
        standings.add(configuration: 2, final: 0.1)
        standings.add(configuration: 0, final: 0.3)
        standings.add(configuration: 0, final: 0.5)
        standings.add(configuration: 1, final: 0.1)
        let ranked = standings.ranked()
        #expect(ranked.map(\.configuration) == [1, 2, 0])
        // Mean 0.4, sem 0.1, t(0.975, 1) = 12.706…: [−0.87, 1.67] clipped below at 0 for a loss.
        let interval = try #require(ranked[2].interval)
        #expect(ranked[2].score == 0.4 && interval.low == 0 && abs(interval.high - (0.4 + 12.706204736174698 * 0.1)) < 1e-9)
        #expect(ranked[0].interval == nil && ranked[0].count == 1)
        standings.add(configuration: 2, final: 0.0)
        #expect(standings.ranked().map(\.configuration) == [2, 1, 0])  // recomputed after a new value
    }

    @Test("each metric's range: accuracies and weights in [0, 1], cosines in [−1, 1], the rest at least 0")
    func metricRanges() {
        #expect(Metric.testAccuracy.range == (0, 1) && Metric.trainAccuracy.range == (0, 1) && Metric.lagWeight.range == (0, 1))
        #expect(Metric.gradCosine.range == (-1, 1))
        #expect(Metric.testLoss.range == (0, .infinity) && Metric.gradNorm.range == (0, .infinity))
    }

    @Test("the leaderboard at the end: parameters to 4 digits, intervals clipped and said so, and how many of how many are shown")
    func terminalLeaderboard() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("leaderboard-\(UUID())").path
        try FileSystem.createDirectories(folder)
        defer { try? FileSystem.remove(folder) }
        var csv = "rank,config_id,lr,metric,epoch,n,diverged,failed,mean,std,sem,ci95_low,ci95_high,min,max\n"
        for rank in 1...7 {
            csv += "\(rank),00000000000000\(rank)0,0.002518460893081319,test_acc,5,8,0,0,0.9779125,0.05,0.02,0.9292342914426905,1.0265907085573094,0.8,1.0\n"
        }
        try FileSystem.writeAtomically(csv, to: folder + "/leaderboard.csv")
        let lines = SweepSummary.leaderboard(folder: folder, top: 5)
        #expect(lines.first == "leaderboard (test_acc at epoch 5; top 5 of 7 configurations, all in leaderboard.csv):")
        #expect(lines.count == 1 + 1 + 5 + 1 && lines[2] == "  1     0.002518  0.9779  [0.9292, 1]  8  0         0", "\(lines)")
        #expect(lines.last == "  (95% intervals clipped to the range of test_acc, [0, 1])")
    }

    @Test("the leaderboard reads quoted values with line breaks, commas and quotes before combining marks, and skips blank lines")
    func terminalLeaderboardOddValues() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("leaderboard-\(UUID())").path
        try FileSystem.createDirectories(folder)
        defer { try? FileSystem.remove(folder) }
        let header = ["rank", "config_id", "data", "metric", "epoch", "n", "diverged", "failed", "mean", "std", "sem", "ci95_low", "ci95_high", "min", "max"]
        let numbers = ["test_acc", "5", "8", "0", "0", "0.5", "0.1", "0.03", "0.45", "0.55", "0.4", "0.6"]
        let csv = CSV.row(header) + CSV.row(["1", "a", "two\nlines"] + numbers) + "\n" + CSV.row(["2", "b", "x,\u{301}\"\u{301}"] + numbers)
        try FileSystem.writeAtomically(csv, to: folder + "/leaderboard.csv")
        let lines = SweepSummary.leaderboard(folder: folder, top: 5)
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.first == "leaderboard (test_acc at epoch 5):")
        #expect(lines.count == 4 && lines[2] == "  1     two\\x0alines  0.5   [0.45, 0.55]  8  0         0" && lines[3].hasPrefix("  2     x,\u{301}\"\u{301}"), "\(lines)")
        // A file without a column the table shows (edited by hand) gives no table, not a crash.
        try FileSystem.writeAtomically(csv.replacingOccurrences(of: "ci95_low", with: "low", options: .literal), to: folder + "/leaderboard.csv")
        #expect(SweepSummary.leaderboard(folder: folder, top: 5).isEmpty)
    }
}
