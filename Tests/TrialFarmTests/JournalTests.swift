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
            let (journal, contents) = try Journal.open(folder: folder, studyID: "abc")
            #expect(contents.entries.isEmpty && contents.proposals.isEmpty)
            try journal.append([Self.done(1), Self.failed])
            try journal.append([Self.done(2)])
        }
        let (_, contents) = try Journal.open(folder: folder, studyID: "abc")
        #expect(contents.entries == [Self.done(1), Self.failed, Self.done(2)])
    }

    @Test("configurations a search added read back in order, between the trials, as written")
    func proposals() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = Journal.Proposal(draw: 0, cell: 1, configurationID: 0xABC, seeds: [3, 1], configuration: #"{"hidden":8}"#)
        let second = Journal.Proposal(draw: 1, cell: 0, configurationID: 0xDEF, seeds: [3, 1], configuration: #"{"hidden":9}"#)
        do {
            let (journal, _) = try Journal.open(folder: folder, studyID: "abc")
            try journal.append([first.line, Self.done(1).line, second.line].joined(separator: "\n"))
        }
        let contents = try Journal.read(folder: folder, studyID: "abc")
        #expect(contents.proposals == [first, second] && contents.entries == [Self.done(1)])
        #expect(Journal.Proposal("configuration\t0\t0\tabc\t\t{}") == nil)  // no seeds
    }

    @Test("the journal is in use while a coordinator holds it open, and not once it is closed")
    func inUse() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(!Journal.isInUse(folder: folder))  // no journal yet
        do {
            let (journal, _) = try Journal.open(folder: folder, studyID: "abc")
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
            let (journal, _) = try Journal.open(folder: folder, studyID: "abc")
            try journal.append([Self.done(1)])
        }
        let path = folder + "/journal.log"
        let whole = try String(contentsOfFile: path, encoding: .utf8)
        try (whole + "done\t0000000000000002\t1\t0\tcompl").write(toFile: path, atomically: false, encoding: .utf8)
        do {
            let (journal, contents) = try Journal.open(folder: folder, studyID: "abc")
            #expect(contents.entries == [Self.done(1)])
            try journal.append([Self.done(3)])
        }
        #expect(try Journal.read(folder: folder, studyID: "abc").entries == [Self.done(1), Self.done(3)])
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix(whole))
        try (whole + "nonsense\n" + Self.done(4).line + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: InputError(path + ":3", "malformed journal line")) { try Journal.read(folder: folder, studyID: "abc") }
    }

    @Test("another sweep's journal, or one in use, is refused")
    func refusals() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (held, _) = try Journal.open(folder: folder, studyID: "abc")
        #expect(throws: InputError(folder, "is being written by another coordinator (its journal is locked)")) {
            try Journal.open(folder: folder, studyID: "abc")
        }
        _ = held
        #expect(throws: (any Error).self) { try Journal.read(folder: folder, studyID: "xyz") }
    }
}
