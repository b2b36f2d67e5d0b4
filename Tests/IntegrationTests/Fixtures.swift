import Foundation
import Testing
import TestSupport
import TrainingCore
import TrialFarm

/// Small sweeps and helpers for reading output folders.
enum Fixtures {
    /// 4 configurations × 3 seeds of short echo trials (20 windows each).
    static let small = """
        name: small
        seeds: [0, 1, 2]
        parameters:
          seq_len: {value: 100}
          bptt_t: {value: 10}
          batch: {value: 8}
          epochs: {value: 2}
          metrics_every: {value: 3}
          hidden: {values: [4, 8]}
          method: {values: [bptt, bptd]}
        """

    /// Rows of a CSV file (header first).
    static func rows(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { CSV.split($0) }
    }

    /// metrics.csv without its timing rows.
    static func metricsWithoutTiming(_ folder: String) throws -> String {
        try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains(",wall_seconds,") }.joined(separator: "\n")
    }

    /// trials.csv as a dictionary per row, by column name.
    static func trials(_ folder: String) throws -> [[String: String]] {
        let rows = try rows(folder + "/trials.csv")
        return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(rows[0], $0)) }
    }

    /// How many `done` lines the journal has for each trial.
    static func journaled(_ folder: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in try String(contentsOfFile: folder + "/journal.log", encoding: .utf8).split(separator: "\n") where line.hasPrefix("done\t") {
            counts[String(line.split(separator: "\t")[1]), default: 0] += 1
        }
        return counts
    }

    /// Waits until the journal of `folder` records at least `count` finished trials; whether it did.
    static func waitForFinished(_ folder: String, count: Int, timeout: Double = 60) -> Bool {
        waitUntil(timeout: timeout) { ((try? journaled(folder))?.count ?? 0) >= count }
    }

    /// Spool files holding rows of running attempts (none once the coordinator has ended).
    static func partials(_ folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder + "/spool"))?.filter { $0.hasSuffix(".partial") } ?? []
    }

    /// Whether some attempt has streamed rows (a spool file is not empty): a trial is mid-way.
    static func someAttemptStreaming(_ folder: String) -> Bool {
        partials(folder).contains { name in
            ((try? FileManager.default.attributesOfItem(atPath: folder + "/spool/" + name))?[.size] as? Int ?? 0) > 0
        }
    }

    /// The endpoint a coordinator reported in its log ("listening on …").
    static func endpoint(of coordinator: BackgroundProcess, timeout: Double = 30) -> String? {
        guard coordinator.waitForError(timeout: timeout, { $0.contains("listening on ") }) else { return nil }
        let text = coordinator.standardError
        guard let range = text.range(of: "listening on ") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != ";" && !$0.isWhitespace })
    }

    /// Starts a coordinator of `sweep` into `out` on a free loopback port, with `options`; the
    /// process and the endpoint it reported.
    static func coordinator(_ sweep: String, out: String, _ options: [String] = [], folder: TemporaryFolder) throws
        -> (process: BackgroundProcess, endpoint: String) {
        let process = try BackgroundProcess(["coordinator", sweep, "--bind", "tcp://127.0.0.1:0", "--out", out] + options,
                                            folder: folder, name: "coordinator")
        return (process, try #require(endpoint(of: process)))
    }
}
