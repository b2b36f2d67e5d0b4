import Foundation
import Testing
import TestSupport
import TrialFarm

/// The output folder as a checked store: damage found by checksums and lengths, refused where it
/// would give wrong results, re-run where it can be; a runaway trial failed at its size limit;
/// nothing of a user's removed.
@Suite(.serialized) struct StoreIntegrityTests {
    /// Ways a finished folder gets damaged after the fact, each a change to its files.
    enum Damage: String, CaseIterable, Sendable {
        case completedCut, completedEmptied, completedDeleted, completedDigit, journalDigit, journalStrayByte

        func apply(to out: String) throws {
            let completed = out + "/completed.csv", journal = out + "/journal.log"
            switch self {
            case .completedCut:
                let bytes = try Data(contentsOf: URL(fileURLWithPath: completed))
                try bytes.prefix(bytes.count * 2 / 3).write(to: URL(fileURLWithPath: completed))
            case .completedEmptied:
                try Data().write(to: URL(fileURLWithPath: completed))
            case .completedDeleted:
                try FileManager.default.removeItem(atPath: completed)
            case .completedDigit:
                try Self.change(completed) { bytes in
                    // The first digit after the middle of the file: a value of some trial.
                    let index = bytes.indices.first { $0 > bytes.count / 2 && (48...56).contains(bytes[$0]) }!
                    bytes[index] += 1
                }
            case .journalDigit:
                try Self.change(journal) { bytes in
                    // The attempt number of the second line (the first trial's): 1 becomes 2.
                    let start = bytes.firstIndex(of: 10)! + 1
                    let attempt = start + "done\t0000000000000000\t".utf8.count
                    #expect(bytes[attempt] == UInt8(ascii: "1"))
                    bytes[attempt] = UInt8(ascii: "2")
                }
            case .journalStrayByte:
                try Self.change(journal) { bytes in
                    // The first byte of the third line's host name (… HOST STARTED FINISHED CRC): not UTF-8 any more.
                    let lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
                    let tabs = lines[2].indices.filter { lines[2][$0] == 9 }
                    bytes[tabs[tabs.count - 4] + 1] = 0xFF
                }
            }
        }

        static func change(_ path: String, _ body: (inout [UInt8]) -> Void) throws {
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            body(&bytes)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    @Test("damage after the fact: verify and summarize name it, a run re-runs exactly what it touches, and the rows are an undisturbed run's",
          arguments: Damage.allCases)
    func damageIsFoundAndRepaired(_ damage: Damage) throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        #expect(try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"]).status == 0)
        let undisturbed = try Fixtures.metricsWithoutTiming(out)
        let clean = try runDepthFarm(["verify", out])
        #expect(clean.status == 0 && clean.standardError.contains("12 of 12 trials recorded whole") && clean.standardError.contains("every checksum holds"),
                "\(clean.standardError)")

        try damage.apply(to: out)
        let found = try runDepthFarm(["verify", out])
        #expect(found.status == 1 && found.standardError.contains("running the sweep again re-runs its trial"), "\(found.standardError)")
        let refused = try runDepthFarm(["summarize", out])
        #expect(refused.status != 0 && refused.standardError.contains("running the sweep again re-runs what it touches"), "\(refused.standardError)")
        #expect(refused.standardError.split(separator: "\n").count == 1)

        let journalBefore = try Data(contentsOf: URL(fileURLWithPath: out + "/journal.log"))
        let again = try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("warning: \(out)/") && again.standardError.contains("its trial runs again"))
        #expect(again.standardError.contains("12 trials: 12 completed"))
        #expect(try Fixtures.metricsWithoutTiming(out) == undisturbed)
        // Appended to, never padded: what was there stays, and no NUL byte anywhere.
        let journalAfter = try Data(contentsOf: URL(fileURLWithPath: out + "/journal.log"))
        #expect(journalAfter.prefix(journalBefore.count) == journalBefore && journalAfter.count > journalBefore.count)
        for file in ["journal.log", "completed.csv", "metrics.csv"] {
            #expect(!(try Data(contentsOf: URL(fileURLWithPath: out + "/" + file))).contains(0), "\(file)")
        }
        #expect(try runDepthFarm(["verify", out]).status == 0)
        #expect(try runDepthFarm(["summarize", out]).status == 0)
    }

    @Test("a trial whose rows outgrow --max-trial-bytes fails with the reason, at once; the others complete")
    func trialSizeLimit() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        // bptt trials write about 5.3 KB of rows, bptd trials (per-lag rows) about 22.7 KB.
        let result = try runDepthFarm(["run", sweep, "--out", out, "--workers", "2", "--max-trial-bytes", "10K"])
        #expect(result.status == 1, "\(result.standardError)")
        let trials = try Fixtures.trials(out)
        let failed = trials.filter { $0["status"] == "failed" }
        #expect(failed.count == 6 && failed.allSatisfy { $0["method"] == "bptd" })
        #expect(failed.allSatisfy { $0["error"]!.contains("its rows grew beyond 10 KiB") && $0["attempts"] == "1" }, "\(failed)")
        #expect(trials.filter { $0["status"] == "completed" }.count == 6)
        #expect(result.standardError.contains("12 trials: 6 completed, 0 diverged, 6 failed"))

        // Run again without the limit: the failed trials complete. Then the last block (a trial
        // that had failed before) is cut: its old `failed` line does not make up for it.
        #expect(try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"]).status == 0)
        let completed = URL(fileURLWithPath: out + "/completed.csv")
        try Data(contentsOf: completed).dropLast(100).write(to: completed)
        let found = try runDepthFarm(["verify", out])
        #expect(found.status == 1 && found.standardError.contains("are cut short") && found.standardError.contains("re-runs its trial"), "\(found.standardError)")
        #expect(try runDepthFarm(["summarize", out]).status != 0)

        let bad = try runDepthFarm(["run", sweep, "--out", folder.file("other"), "--max-trial-bytes", "lots"])
        #expect(bad.status != 0 && bad.standardError.contains("--max-trial-bytes must be a positive size such as 500M or 8G (got lots)"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("other")))
    }

    @Test("lock first: --force on a folder whose coordinator runs changes nothing; two sweeps started at once on a fresh folder leave it one sweep's")
    func lockFirst() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let other = try folder.write("other.yaml", Fixtures.small.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [7]"))
        let out = folder.file("out")
        let (coordinator, _) = try Fixtures.coordinator(sweep, out: out, folder: folder)  // no workers: it waits
        let before = try ["sweep.yaml", "journal.log"].map { try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0)) }
        let forced = try runDepthFarm(["run", other, "--out", out, "--force"])
        #expect(forced.status != 0 && forced.standardError.contains("is being written by another coordinator"), "\(forced.standardError)")
        #expect(try ["sweep.yaml", "journal.log"].map { try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0)) } == before)
        coordinator.signal(SIGTERM)
        _ = coordinator.wait(timeout: 20)

        for round in 0..<4 {
            let fresh = folder.file("fresh-\(round)")
            let first = try BackgroundProcess(["run", sweep, "--out", fresh, "--workers", "1"], folder: folder, name: "first-\(round)")
            let second = try BackgroundProcess(["run", other, "--out", fresh, "--workers", "1"], folder: folder, name: "second-\(round)")
            let statuses = [first.wait(timeout: 60), second.wait(timeout: 60)]
            #expect(statuses.contains(0), "\(first.standardError) \(second.standardError)")
            // Whoever lost, the folder is whole and one sweep's: it verifies, and both files name the same study.
            #expect(try runDepthFarm(["verify", fresh]).status == 0)
            let study = try #require(try String(contentsOfFile: fresh + "/sweep.yaml", encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix("study_id:") }?.split(separator: " ").last)
            #expect(try String(contentsOfFile: fresh + "/journal.log", encoding: .utf8).hasPrefix("depthfarm-journal\t2\t\(study)\t"))
        }
    }

    @Test("the farm removes only what it made: a folder of other files is refused, a user's files in spool/ and checkpoints/ survive")
    func onlyItsOwnFiles() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let mine = folder.file("mine")
        try FileManager.default.createDirectory(atPath: mine + "/spool", withIntermediateDirectories: true)
        try "my notes\n".write(toFile: mine + "/metrics.csv", atomically: true, encoding: .utf8)
        try "keep\n".write(toFile: mine + "/spool/keep.txt", atomically: true, encoding: .utf8)
        let refused = try runDepthFarm(["run", sweep, "--out", mine])
        #expect(refused.status != 0 && refused.standardError.contains("\(mine): holds files but no sweep's results"), "\(refused.standardError)")
        #expect(try String(contentsOfFile: mine + "/metrics.csv", encoding: .utf8) == "my notes\n")
        #expect(FileManager.default.fileExists(atPath: mine + "/spool/keep.txt"))

        let out = folder.file("out")
        #expect(try runDepthFarm(["run", sweep, "--out", out]).status == 0)
        for sub in ["spool", "checkpoints"] {
            try FileManager.default.createDirectory(atPath: out + "/" + sub, withIntermediateDirectories: true)
            try "keep\n".write(toFile: out + "/\(sub)/keep.txt", atomically: true, encoding: .utf8)
        }
        try "stale\n".write(toFile: out + "/spool/0.partial", atomically: true, encoding: .utf8)
        #expect(try runDepthFarm(["run", sweep, "--out", out]).status == 0)
        let other = try folder.write("other.yaml", Fixtures.small.replacingOccurrences(of: "seq_len: {value: 100}", with: "seq_len: {value: 120}"))
        #expect(try runDepthFarm(["run", other, "--out", out, "--force"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: out + "/spool/keep.txt") && FileManager.default.fileExists(atPath: out + "/checkpoints/keep.txt"))
        #expect(!FileManager.default.fileExists(atPath: out + "/spool/0.partial"))
    }
}
