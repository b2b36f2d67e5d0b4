import Foundation
import Testing
import TestSupport
import TrialFarm

/// Many worker connections at once: `depthfarm loadgen` (simulated workers, each its own ZeroMQ
/// connection speaking the real protocol) against a real coordinator process.
@Suite(.serialized) struct LoadTests {
    @Test("150 simulated workers over real sockets: every one welcomed and none declared dead, every trial once")
    func manyConnections() throws {
        let folder = TemporaryFolder()
        let trials = 20_000
        let sweep = try folder.write("trivial.yaml", "name: trivial\nseeds: {count: \(trials)}\nparameters:\n  seq_len: {value: 20}\n  batch: {value: 2}\n  epochs: {value: 0}\n")
        let out = folder.file("out")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, folder: folder)
        let load = try BackgroundProcess(["loadgen", "--connect", endpoint, "--peers", "150", "--timeout", "120"], folder: folder, name: "loadgen")
        #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.standardError)")
        #expect(load.wait(timeout: 30) == 0, "\(load.standardOutput)\(load.standardError)")
        let line = load.standardOutput
        #expect(line.contains("declared dead 0") && line.contains("0 doubled"), "\(line)")
        #expect(line.contains("peers 150, welcomed 150"), "\(line)")
        #expect(!coordinator.standardError.contains("is silent"))
        let rows = try Fixtures.trials(out)
        #expect(rows.count == trials && Set(rows.map { $0["trial_id"]! }).count == trials)
        #expect(rows.allSatisfy { $0["status"] == "completed" && $0["attempts"] == "1" })
        let journal = try Fixtures.journaled(out)
        #expect(journal.count == trials && journal.values.allSatisfy { $0 == 1 })
    }
}
