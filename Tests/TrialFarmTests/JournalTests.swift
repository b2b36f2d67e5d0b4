import Foundation
import Testing
import TrainingCore
@testable import TrialFarm

@Suite struct JournalTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func done(_ trial: UInt64) -> Journal.Entry {
        var outcome = TrialOutcome(status: .completed)
        outcome.steps = 500
        outcome.epochsCompleted = 5
        outcome.trainingSeconds = 1.5
        outcome.testAccuracy = 0.999
        return Journal.Entry(kind: .done, trial: trial, attempt: 2, failures: 1, outcome: outcome, rows: 100..<2100, error: nil, host: "node-1",
                             started: 1_763_000_000.25, finished: 1_763_000_002.5)
    }

    static let failed = Journal.Entry(kind: .failed, trial: 99, attempt: 3, failures: 3, outcome: nil, rows: nil,
                                      error: "line one\n\tline two \\ end", host: "", started: 1, finished: 2)

    @Test("entries read back as written, free text included")
    func roundTrip() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let (journal, entries) = try Journal.open(folder: folder, sweepID: "abc")
            #expect(entries.isEmpty)
            try journal.append([Self.done(1), Self.failed])
            try journal.append([Self.done(2)])
        }
        let (_, entries) = try Journal.open(folder: folder, sweepID: "abc")
        #expect(entries == [Self.done(1), Self.failed, Self.done(2)])
    }

    @Test("the journal is in use while a coordinator holds it open, and not once it is closed")
    func inUse() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(!Journal.isInUse(folder: folder))  // no journal yet
        do {
            let (journal, _) = try Journal.open(folder: folder, sweepID: "abc")
            #expect(Journal.isInUse(folder: folder))
            withExtendedLifetime(journal) {}
        }
        #expect(!Journal.isInUse(folder: folder))
    }

    @Test("a torn last line is ignored and cut off; a malformed earlier line is an error")
    func tornLine() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let (journal, _) = try Journal.open(folder: folder, sweepID: "abc")
            try journal.append([Self.done(1)])
        }
        let path = folder + "/journal.log"
        let whole = try String(contentsOfFile: path, encoding: .utf8)
        try (whole + "done\t0000000000000002\t1\t0\tcompl").write(toFile: path, atomically: false, encoding: .utf8)
        do {
            let (journal, entries) = try Journal.open(folder: folder, sweepID: "abc")
            #expect(entries == [Self.done(1)])
            try journal.append([Self.done(3)])
        }
        #expect(try Journal.read(folder: folder, sweepID: "abc").entries == [Self.done(1), Self.done(3)])
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix(whole))
        try (whole + "nonsense\n" + Self.done(4).line + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: InputError(path + ":3", "malformed journal line")) { try Journal.read(folder: folder, sweepID: "abc") }
    }

    @Test("another sweep's journal, or one in use, is refused")
    func refusals() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (held, _) = try Journal.open(folder: folder, sweepID: "abc")
        #expect(throws: InputError(folder, "is being written by another coordinator (its journal is locked)")) {
            try Journal.open(folder: folder, sweepID: "abc")
        }
        _ = held
        #expect(throws: (any Error).self) { try Journal.read(folder: folder, sweepID: "xyz") }
    }
}
