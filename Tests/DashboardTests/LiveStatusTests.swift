import Foundation
import Testing
@testable import Dashboard
import SweepReport
import TrialFarm

/// The live snapshot: its JSON, its Prometheus text, the box that hands it over, the page's
/// trials table, and `--dashboard`'s address syntax.
@Suite struct LiveStatusTests {
    static func example() -> LiveStatus {
        var counts = LiveStatus.Counts()
        (counts.total, counts.pending, counts.running, counts.completed, counts.diverged, counts.failed) = (10, 5, 2, 3, 1, 1)
        let workers = [LiveStatus.Worker(name: "node-1/41", lastHeard: 1000.5, trials: [4]),
                       LiveStatus.Worker(name: "odd \"name\" \\ x/7", lastHeard: 990, trials: [5, 6])]
        let trials = (0..<10).map { index in
            LiveStatus.Trial(index: index, id: String(format: "%016x", index), seed: UInt64(index % 2), configuration: "hidden=\(4 << (index / 2))",
                             status: index < 5 ? ["completed", "completed", "completed", "diverged", "running"][index] : index == 9 ? "failed" : "pending",
                             worker: index == 4 ? "node-1/41" : nil, epochReached: index == 4 ? 2 : 0, epochs: 5, latestValue: index == 4 ? 0.8125 : nil)
        }
        return LiveStatus(sweep: "small", metric: "test_acc", pid: 1234, started: 900, updated: 1001, counts: counts,
                          trialsPerSecond: 0.25, workers: workers, trials: trials)
    }

    /// `name{labels} value` lines of a Prometheus text exposition, checked line by line.
    static func samples(_ text: String) throws -> [(name: String, labels: [String: String], value: Double)] {
        var samples: [(String, [String: String], Double)] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let match = try #require(line.wholeMatch(of: #/([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/#), "\(line)")
            var labels: [String: String] = [:]
            if let body = match.2 {
                for label in body.matches(of: #/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/#) {
                    labels[String(label.1)] = String(label.2).replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
                }
            }
            samples.append((String(match.1), labels, try #require(Double(match.3))))
        }
        return samples
    }

    @Test("the Prometheus text: trials by status adding up to the sweep, the rate, workers alive, each worker's heartbeat age (label escaped)")
    func prometheus() throws {
        let status = Self.example()
        let text = status.prometheusText(now: 1003)
        #expect(text.contains("# TYPE depthfarm_trials gauge"))
        let samples = try Self.samples(text)
        let trials = samples.filter { $0.name == "depthfarm_trials" }
        let byStatus = Dictionary(uniqueKeysWithValues: trials.map { ($0.labels["status"]!, $0.value) })
        #expect(byStatus == ["waiting": 3, "running": 2, "completed": 3, "diverged": 1, "pruned": 0, "failed": 1])
        #expect(byStatus.values.reduce(0, +) == Double(status.counts.total))
        #expect(samples.first { $0.name == "depthfarm_trials_per_second" }?.value == 0.25)
        #expect(samples.first { $0.name == "depthfarm_workers_alive" }?.value == 2)
        let ages = Dictionary(uniqueKeysWithValues: samples.filter { $0.name == "depthfarm_worker_heartbeat_age_seconds" }.map { ($0.labels["worker"]!, $0.value) })
        #expect(ages == ["node-1/41": 2.5, "odd \"name\" \\ x/7": 13])
        #expect(samples.first { $0.name == "depthfarm_status_age_seconds" }?.value == 2)
    }

    @Test("JSON round trip; the box's revision grows only when the content changes")
    func jsonAndBox() throws {
        let status = Self.example()
        #expect(try LiveStatus.decode(status.json()) == status)
        let box = LiveStatusBox()
        #expect(box.latest == nil)
        box.publish(status)
        #expect(box.latest?.revision == 1)
        var later = status
        later.updated += 1
        box.publish(later)
        #expect(box.latest?.revision == 1 && box.latest?.updated == later.updated)
        later.trials[4].epochReached = 3
        box.publish(later)
        #expect(box.latest?.revision == 2)
    }

    @Test("the page's trials table: a row per trial with index, configuration, seed, status, worker, epoch and metric; workers with heartbeat age")
    func table() throws {
        let html = SweepReport.liveSection(Self.example(), now: 1003)
        #expect(html.contains("<tr class=\"running\" data-index=\"4\" data-status=\"running\" title=\"trial 0000000000000004\"><td>4</td><td>hidden=16</td><td>0</td><td>running</td><td>node-1/41</td><td>2/5</td><td>0.8125</td></tr>"))
        #expect(html.components(separatedBy: "<tr class=").count - 1 == 10)
        #expect(html.contains("<td>node-1/41</td><td>2.5 s ago</td><td>4</td><td></td>"))
        #expect(html.contains("odd &quot;name&quot; \\ x/7") && !html.contains("odd \"name\""))
        #expect(html.contains("Live: 5 of 10 trials finished (3 completed, 1 diverged, 1 failed); 2 running; 3 waiting; 0.2 trials/s; 2 workers"))
    }

    @Test("depthfarm status's lines from a snapshot: each worker's heartbeat age and running trial")
    func statusLines() throws {
        let lines = SweepStatus.liveLines(Self.example(), now: 1003)
        #expect(lines[0].hasPrefix("coordinator 1234, as of 2.0 s ago: 2 running"))
        #expect(lines.contains("workers (2):"))
        #expect(lines.contains { $0.contains("node-1/41") && $0.contains("2.5 s ago") && $0.contains("4  ") && $0.contains("2/5") && $0.contains("0.8125") && $0.hasSuffix("hidden=16") })
        #expect(!lines.contains { $0.hasPrefix("warning:") })
        #expect(SweepStatus.liveLines(Self.example(), now: 1100).contains { $0.hasPrefix("warning: coordinator.status was last written 1m39s ago") })
    }

    @Test("--dashboard addresses", arguments: [
        ("8080", "127.0.0.1", 8080, true), ("0", "127.0.0.1", 0, true), ("127.0.0.1:0", "127.0.0.1", 0, true), ("localhost:9", "localhost", 9, true),
        ("[::1]:8080", "::1", 8080, true), ("0.0.0.0:8080", "0.0.0.0", 8080, false), ("[::]:1", "::", 1, false), ("10.1.2.3:65535", "10.1.2.3", 65535, false),
    ])
    func addresses(_ text: String, _ host: String, _ port: Int, _ loopback: Bool) throws {
        let address = try DashboardAddress(parsing: text)
        #expect(address.host == host && address.port == port && address.isLoopback == loopback)
    }

    @Test("bad --dashboard addresses: one message naming what is wrong", arguments: [
        ("", "expected [ADDRESS:]PORT"), ("http://x:80", "expected [ADDRESS:]PORT"), ("127.0.0.1:", "expected [ADDRESS:]PORT"),
        ("65536", "the port must be a number in 0 … 65535 (got 65536)"), ("-1", "the port must be a number in 0 … 65535"),
        ("example.com:80", "'example.com' is not an IP address"), ("::1:80", "an IPv6 address goes in brackets"), ("[::1]80", "expected [ADDRESS:]PORT"),
        ("1.2.3:80", "'1.2.3' is not an IP address"), ("99999999999999999999", "the port must be a number in 0 … 65535"),
    ])
    func badAddresses(_ text: String, _ message: String) throws {
        #expect { try DashboardAddress(parsing: text) } throws: { error in
            "\(error)".hasPrefix("--dashboard \(text): ") && "\(error)".contains(message)
        }
    }

    @Test("a wildcard address is shown with the host name; IPv6 in brackets")
    func urls() throws {
        #expect(try DashboardAddress(parsing: "0.0.0.0:0").url(port: 4321, hostName: "node-1") == "http://node-1:4321/")
        #expect(try DashboardAddress(parsing: "[::1]:0").url(port: 4321, hostName: "node-1") == "http://[::1]:4321/")
        #expect(try DashboardAddress(parsing: "0").url(port: 4321, hostName: "node-1") == "http://127.0.0.1:4321/")
    }
}
