import Foundation
import Glibc
import Testing
import TrainingCore
@testable import TrialFarm

/// One copy of the rows on disk: `completed.csv` rewritten in plan order at a run's end, and
/// `metrics.csv` a second name of it; what a crash at each step of the rewrite leaves.
@Suite struct StoreCompactionTests {
    static let sweep = """
        seeds: [0, 1, 2]
        parameters:
          hidden: {values: [4, 8]}
          epochs: {value: 1}
        """

    /// A folder whose six trials finished last to first, each with rows of its own length.
    final class Fixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-compaction-\(UUID())").path
        let plan: SweepPlan
        var store: ResultStore!

        init() throws {
            plan = try SweepPlan(try Sweep.parse(StoreCompactionTests.sweep, source: "s.yaml"))
            store = try ResultStore(folder: folder, plan: plan)
            for index in plan.trials.indices.reversed() { try finish(index) }
            try store.commit()
        }

        deinit { try? FileSystem.remove(folder) }

        func finish(_ index: Int, attempt: Int = 1) throws {
            try store.startAttempt(index, attempt: attempt)
            let records = (0...index).map { MetricRecord(epoch: 1, step: $0, metric: .gradNorm, value: Double(index) + Double($0) / 8) }
            try store.appendMetrics(index, attempt: attempt, records: records)
            try store.completeAttempt(index, entry: Journal.Entry(kind: .done, trial: plan.trials[index].id, attempt: attempt, failures: 0,
                                                                  outcome: TrialOutcome(status: .completed), rows: nil, error: nil,
                                                                  host: "h", started: 1, finished: 2))
        }

        /// Every trial's rows as the store reads them.
        func rows(_ store: ResultStore? = nil) throws -> [[UInt8]] {
            let store = store ?? self.store!
            return try store.plan.trials.indices.map { index in
                var bytes: [UInt8] = []
                try store.forEachRowPiece(of: index) { bytes += $0 }
                return bytes
            }
        }

        func file(_ name: String) -> String { folder + "/" + name }
        func bytes(_ name: String) throws -> [UInt8] { try FileSystem.readBytes(file(name)) }
        func journalLines() throws -> [String] { try String(contentsOfFile: file("journal.log"), encoding: .utf8).split(separator: "\n").map(String.init) }

        /// Closes the store (as a process ending) and opens the folder again.
        func reopen(readOnly: Bool = false) throws -> ResultStore {
            store = nil
            let reopened = try ResultStore(folder: folder, plan: plan, readOnly: readOnly)
            if !readOnly { store = reopened }
            return reopened
        }
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var x = stat(), y = stat()
        return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev
    }

    @Test("the run's end rewrites completed.csv in plan order; metrics.csv is then a second name of it, byte for byte what a file of its own held")
    func compaction() throws {
        let f = try Fixture()
        let rows = try f.rows()
        #expect(try !f.store.rowsAreInPlanOrder())
        try ResultFiles.writeMetrics(f.store)  // not in plan order yet: a file of its own
        let metrics = try f.bytes("metrics.csv")
        #expect(!Self.sameFile(f.file("metrics.csv"), f.file("completed.csv")))

        try f.store.compactRows()
        #expect(try f.journalLines().last!.hasPrefix("compacted\t\(metrics.count)\t"))
        #expect(try f.bytes("completed.csv") == metrics && f.store.rowsAreInPlanOrder() && f.rows() == rows)
        try ResultFiles.writeMetrics(f.store)
        #expect(try Self.sameFile(f.file("metrics.csv"), f.file("completed.csv")) && f.bytes("metrics.csv") == metrics)
        #expect(!FileSystem.exists(f.file(ResultStore.compactingName)) && !FileSystem.exists(f.file(".metrics.csv.link")))

        // Again: nothing to do, nothing journaled.
        let journal = try f.journalLines()
        try f.store.compactRows()
        try ResultFiles.writeMetrics(f.store)
        #expect(try f.journalLines() == journal)

        for readOnly in [true, false] {
            let reopened = try f.reopen(readOnly: readOnly)
            #expect(try reopened.damage.isEmpty && (try f.rows(reopened)) == rows && (try reopened.rowsAreInPlanOrder()))
        }
        #expect(try f.bytes("metrics.csv") == metrics && Self.sameFile(f.file("metrics.csv"), f.file("completed.csv")))
    }

    @Test("a crash at any step of the rewrite loses no row and re-runs no trial", arguments: ["before the journal", "before the rename", "rewrite lost"])
    func crashDuringCompaction(_ moment: String) throws {
        let f = try Fixture()
        let rows = try f.rows()
        let before = try f.bytes("completed.csv")
        try f.store.compactRows()
        let after = try f.bytes("completed.csv")
        f.store = nil
        switch moment {
        case "before the journal":  // the rewrite written beside, the journal without its line
            var journal = try f.journalLines()
            journal.removeLast()
            try (journal.joined(separator: "\n") + "\n").write(toFile: f.file("journal.log"), atomically: false, encoding: .utf8)
            try Data(before).write(to: URL(fileURLWithPath: f.file("completed.csv")))
            try Data(after).write(to: URL(fileURLWithPath: f.file(ResultStore.compactingName)))
        case "before the rename":  // journaled, not yet in place
            try Data(before).write(to: URL(fileURLWithPath: f.file("completed.csv")))
            try Data(after).write(to: URL(fileURLWithPath: f.file(ResultStore.compactingName)))
        default:  // journaled, and the rewrite's name lost with the folder's unsynced entry
            try Data(before).write(to: URL(fileURLWithPath: f.file("completed.csv")))
        }
        // Read-only first: it changes nothing, and reads the rows that are there.
        let reader = try f.reopen(readOnly: true)
        #expect(try reader.damage.isEmpty && (try f.rows(reader)) == rows)
        #expect(FileSystem.exists(f.file(ResultStore.compactingName)) == (moment != "rewrite lost"))
        let store = try f.reopen()
        #expect(try store.damage.isEmpty && (try f.rows(store)) == rows && store.counts.completed == 6)
        #expect(!FileSystem.exists(f.file(ResultStore.compactingName)))
        #expect(try f.bytes("completed.csv") == (moment == "before the rename" ? after : before))
        // The next end of a run puts it in plan order either way.
        try store.compactRows()
        #expect(try f.bytes("completed.csv") == after && f.rows(store) == rows)
    }

    @Test("a trial added after the rewrite first takes the metrics.csv name away, so metrics.csv never shows rows out of order")
    func appendAfterCompaction() throws {
        let f = try Fixture()
        try f.store.compactRows()
        try ResultFiles.writeMetrics(f.store)
        let metrics = try f.bytes("metrics.csv")
        let store = try f.reopen()
        #expect(FileSystem.exists(f.file("metrics.csv")))  // opening changes nothing
        try f.finish(2, attempt: 2)  // a trial run again: its new rows appended
        #expect(try !FileSystem.exists(f.file("metrics.csv")) && (try f.bytes("completed.csv")).count > metrics.count)
        try store.commit()
        try store.compactRows()
        try ResultFiles.writeMetrics(store)
        #expect(try Self.sameFile(f.file("metrics.csv"), f.file("completed.csv")) && (try f.bytes("metrics.csv")).count == metrics.count)
    }

    @Test("a damaged done line before the rewrite costs its own trial only: the others' rows are found by their trial ids")
    func damagedLineBeforeCompaction() throws {
        let f = try Fixture()
        let rows = try f.rows()
        try f.store.compactRows()
        f.store = nil
        var journal = try f.journalLines()
        // The first done line is the last trial's (they finished last to first): change its host.
        let line = try #require(journal.firstIndex { $0.hasPrefix("done\t") })
        journal[line] = journal[line].replacingOccurrences(of: "\th\t", with: "\tx\t")
        try (journal.joined(separator: "\n") + "\n").write(toFile: f.file("journal.log"), atomically: false, encoding: .utf8)
        let store = try f.reopen()
        #expect(try store.damage.count == 1 && store.counts.completed == 5 && !store.isComplete(5))
        #expect(try Array(f.rows(store).prefix(5)) == Array(rows.prefix(5)))
    }
}
