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

    @Test("free text with CR LF, and combining marks after backslashes and escapes, stays on one line and reads back as written")
    func combiningMarksAndLineEnds() {
        // As Characters, CR LF is one, and so is a backslash or an escape's letter with the mark after it.
        var failure = Self.failed
        failure.error = "\u{308}oops\t\u{301} \\\u{301} two\r\nlines\n\u{301}"
        #expect(!failure.line.utf8.contains(UInt8(ascii: "\n")) && !failure.line.utf8.contains(UInt8(ascii: "\r")))
        #expect(Journal.Entry(Substring(failure.line)) == failure)
        // Journals written before kept such a backslash raw: it still reads back as it was.
        failure.error = "PLACEHOLDER"
        let old = failure.line.replacingOccurrences(of: "PLACEHOLDER", with: "a\\\u{301} b\\\\\\\u{301}", options: .literal)
        #expect(Journal.Entry(Substring(old))?.error == "a\\\u{301} b\\\\\u{301}")
    }

    @Test("configurations a search added read back in order, between the trials, as written")
    func proposals() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = Journal.Proposal(draw: 0, cell: 1, configurationID: 0xABC, seeds: [3, 1], configuration: #"{"hidden":8}"#)
        let second = Journal.Proposal(draw: 1, cell: 0, configurationID: 0xDEF, seeds: [3, 1], configuration: #"{"hidden":9}"#)
        do {
            let (journal, _) = try Journal.open(folder: folder, studyID: "abc")
            try journal.append([first.line, Self.done(1).line, second.line])
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
        #expect(throws: Journal.UnrepairableLine(path: path, line: 3)) {
            try Journal.read(folder: folder, studyID: "abc")
        }
    }

    @Test("a line changed after it was written fails its checksum: a trial's is set aside, a configuration's refused; the file is never padded")
    func checksums() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let proposal = Journal.Proposal(draw: 0, cell: 0, configurationID: 0xABC, seeds: [1], configuration: #"{"hidden":8}"#)
        do {
            let (journal, _) = try Journal.open(folder: folder, studyID: "abc")
            try journal.append([proposal.line, Self.done(1).line, Self.done(2).line, Self.failed.line])
        }
        let path = folder + "/journal.log"
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func damaged(line: Int, _ change: (inout ArraySlice<UInt8>) -> Void) throws {
            var lines = whole.split(separator: 10, omittingEmptySubsequences: false)
            change(&lines[line - 1])
            try Data(lines.joined(separator: [10])).write(to: URL(fileURLWithPath: path))
        }
        // Line 3 is trial 1's: its failures field 1 → 7, then a byte that is not UTF-8 in its host.
        for change in [{ (line: inout ArraySlice<UInt8>) in line[line.startIndex + 24] = UInt8(ascii: "7") },
                       { (line: inout ArraySlice<UInt8>) in line[line.firstRange(of: Array("node-1".utf8))!.lowerBound] = 0xFF }] {
            try damaged(line: 3, change)
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            let (journal, contents) = try Journal.open(folder: folder, studyID: "abc")
            #expect(contents.entries == [Self.done(2), Self.failed] && contents.proposals == [proposal])
            #expect(contents.damaged == [Journal.Damage(line: 3, trial: 1)])
            let after = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            #expect(contents.wholeBytes == size && after == size)
            withExtendedLifetime(journal) {}
        }
        try damaged(line: 2) { $0[$0.startIndex + 16] = UInt8(ascii: "1") }  // the configuration's draw
        #expect(throws: Journal.UnrepairableLine(path: path, line: 2)) {
            try Journal.read(folder: folder, studyID: "abc")
        }
        try Data("depthfarm-journal\t1\tabc\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: Journal.FormatError.self) { try Journal.read(folder: folder, studyID: "abc") }
    }

    @Test("CRC-32C by slices of 8 equals the bit-by-bit definition at every length and alignment")
    func crc() {
        func reference(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return crc ^ 0xFFFF_FFFF
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for end in start...bytes.count { #expect(CRC32C.checksum(bytes[start..<end]) == reference(bytes[start..<end])) }
        }
        var pieces = CRC32C()
        pieces.update(bytes[0..<77])
        pieces.update(bytes[77...])
        #expect(pieces.value == reference(bytes[...]))
    }

    @Test("sizes as written on a command line")
    func byteCounts() {
        #expect(ByteCount.parse("5000") == 5000 && ByteCount.parse("3K") == 3072 && ByteCount.parse("500M") == 500 << 20)
        #expect(ByteCount.parse("8G") == ResultStore.defaultMaximumTrialBytes && ByteCount.parse("2GiB") == 2 << 30 && ByteCount.parse("1t") == 1 << 40)
        for bad in ["", "0", "-1", "G", "1.5G", "lots", "99999999999T"] { #expect(ByteCount.parse(bad) == nil, "\(bad)") }
        #expect(ByteCount.text(8 << 30) == "8 GiB" && ByteCount.text(3072) == "3 KiB" && ByteCount.text(1000) == "1000 bytes")
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
