import Foundation
import Glibc
import Testing
import TestSupport
import TrialFarm

/// `--dashboard`: the live page in a real browser while a sweep runs, `/metrics` against the
/// folder's counts, the token off loopback, `coordinator.status` and `depthfarm status`.
@Suite(.serialized) struct DashboardTests {
    /// 6 trials of 20 windows each: with DEPTHFARM_SLOW_WINDOW_MS=100, about 2 s a trial.
    static let slow = """
        name: live
        seeds: [0, 1, 2]
        parameters:
          seq_len: {value: 100}
          bptt_t: {value: 10}
          batch: {value: 8}
          epochs: {value: 2}
          metrics_every: {value: 3}
          hidden: {values: [4, 8]}
        """

    /// An HTTP GET with curl: the status code and the body.
    static func get(_ url: String, headers: [String] = []) throws -> (status: Int, body: String) {
        let result = try run("/usr/bin/curl", ["-s", "--max-time", "20", "-o", "-", "-w", "\n%{http_code}"] + headers.flatMap { ["-H", $0] } + [url])
        let text = result.standardOutput
        let split = text.lastIndex(of: "\n") ?? text.startIndex
        return (Int(text[text.index(after: split)...]) ?? 0, String(text[..<split]))
    }

    /// The page address a sweep command printed ("dashboard: http://…/").
    static func dashboardURL(_ process: BackgroundProcess, timeout: Double = 60) -> String? {
        guard process.waitForError(timeout: timeout, { $0.contains("dashboard: http://") }) else { return nil }
        let text = process.standardError
        guard let range = text.range(of: "dashboard: ") else { return nil }
        return String(text[range.upperBound...].prefix { !$0.isWhitespace && $0 != "?" })
    }

    static func status(_ url: String) throws -> LiveStatus? {
        let (code, body) = try get(url + "status.json")
        return code == 200 ? try LiveStatus.decode(body) : nil
    }

    /// Prometheus samples of `/metrics` by name and label value (one label at most here).
    static func metrics(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let match = line.wholeMatch(of: #/([a-z_]+)(?:\{[a-z]+="((?:[^"\\]|\\.)*)"\})? (\S+)/#), let value = Double(match.3) else { continue }
            samples[String(match.1) + (match.2.map { "{\($0)}" } ?? "")] = value
        }
        return samples
    }

    @Test("in headless Chromium the live page shows, without a reload, trials finished after it was opened; the sweep ends normally",
          .enabled(if: FileManager.default.isExecutableFile(atPath: ReportTests.chromium), "Chromium is not installed"))
    func livePageInBrowser() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("live.yaml", Self.slow)
        let out = folder.file("out")
        let process = try BackgroundProcess(["run", sweep, "--out", out, "--workers", "1", "--dashboard", "127.0.0.1:0"], folder: folder, name: "run",
                                            environment: ["DEPTHFARM_SLOW_WINDOW_MS": "100"])
        let url = try #require(Self.dashboardURL(process), "\(process.standardError)")
        #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/"))
        // Open the page while the first trial runs.
        #expect(waitUntil(timeout: 30) { ((try? Self.status(url)) ?? nil)?.counts.running == 1 })
        let before = try #require(try Self.status(url))
        #expect(before.counts.finished < 2)
        // Virtual time stands still while a request is out: the page's long polls let the sweep go on for real.
        let dom = try run("/usr/bin/timeout", ["120", ReportTests.chromium] + ReportTests.chromiumFlags + ["--virtual-time-budget=40000", "--dump-dom", url])
        #expect(dom.status == 0 && dom.standardOutput.contains("</html>"), "\(dom.standardError.suffix(2000))")
        for problem in ["Uncaught", "Failed to load resource", "net::ERR_"] {
            #expect(!dom.standardError.contains(problem), "\(dom.standardError.suffix(2000))")
        }
        let html = dom.standardOutput
        let opened = try #require(html.firstMatch(of: #/id="opened" data-finished="(\d+)"/#).map { Int($0.1)! })
        let rows = html.matches(of: #/<tr class="[a-z]+" data-index="(\d+)" data-status="([a-z]+)"/#).map { (Int($0.1)!, String($0.2)) }
        #expect(rows.map(\.0) == Array(0..<6), "\(rows)")
        let completed = rows.filter { $0.1 == "completed" }.count
        #expect(completed > opened, "opened with \(opened) finished; the page now shows \(completed) completed")
        #expect(html.contains("<h2>Trials</h2>") && html.contains("<h3>Leaderboard: test_acc"))
        #expect(process.wait(timeout: 120) == 0, "\(process.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out + "/coordinator.status"))
    }

    @Test("/metrics while a worker is stopped: trials by status as trials.csv counts them, the silent worker's heartbeat age; coordinator.status and depthfarm status list the worker; both gone after")
    func metricsAndStatus() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("live.yaml", Self.slow)
        let out = folder.file("out")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, ["--dashboard", "0", "--liveness", "60"], folder: folder)
        let url = try #require(Self.dashboardURL(coordinator), "\(coordinator.standardError)")
        let worker = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "1", "--name", "node-7"], folder: folder, name: "worker",
                                           environment: ["DEPTHFARM_SLOW_WINDOW_MS": "100"])
        #expect(Fixtures.waitForFinished(out, count: 2))
        // The worker process (a child of `worker`) holds still: nothing more finishes.
        #expect(waitUntil(timeout: 30) { ((try? Self.status(url)) ?? nil)?.counts.running == 1 })
        let child = try #require(try Self.status(url)?.workers.first?.name.split(separator: "/").last.flatMap { Int32($0) })
        kill(child, SIGSTOP)
        defer { kill(child, SIGCONT) }
        usleep(3_000_000)  // beyond a snapshot's refresh, so that it has seen the last result and the silence

        let (code, text) = try Self.get(url + "metrics")
        #expect(code == 200, "\(text)")
        let samples = Self.metrics(text)
        #expect(try run(depthfarmBinary(), ["summarize", out]).status == 0)
        let rows = try Fixtures.trials(out)
        let count = { (status: String) in Double(rows.filter { $0["status"] == status }.count) }
        #expect(samples["depthfarm_trials{completed}"] == count("completed") && count("completed") >= 2)
        #expect(samples["depthfarm_trials{running}"] == 1)
        #expect(samples["depthfarm_trials{waiting}"] == count("pending") - 1)
        #expect(samples["depthfarm_trials{diverged}"] == 0 && samples["depthfarm_trials{failed}"] == 0 && samples["depthfarm_trials{pruned}"] == 0)
        #expect(samples["depthfarm_workers_alive"] == 1)
        let name = "node-7/\(child)"
        let age = try #require(samples["depthfarm_worker_heartbeat_age_seconds{\(name)}"], "\(text)")
        #expect(age >= 2 && age < 60)
        #expect(samples["depthfarm_trials_per_second"].map { $0 >= 0 } == true)
        #expect(text.contains("# TYPE depthfarm_trials gauge"))

        // coordinator.status: the same snapshot, on disk; depthfarm status lists the worker and its trial.
        let file = try #require(LiveStatus.read(folder: out))
        #expect(file.pid == coordinator.pid && file.workers.map(\.name) == [name])
        let status = try runDepthFarm(["status", out])
        #expect(status.status == 0 && status.standardOutput.contains("; running\n"), "\(status.standardOutput)")
        #expect(status.standardOutput.contains("workers (1):"), "\(status.standardOutput)")
        let line = try #require(status.standardOutput.split(separator: "\n").first { $0.contains(name) }, "\(status.standardOutput)")
        let running = try #require(file.trials.first { $0.status == "running" })
        #expect(line.contains(" s ago") && line.contains("  \(running.index)  ") && line.contains("\(running.epochReached)/2") && line.hasSuffix(running.configuration),
                "\(line)")

        kill(child, SIGCONT)
        #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.standardError)")
        #expect(worker.wait(timeout: 20) == 0)
        #expect(!FileManager.default.fileExists(atPath: out + "/coordinator.status"))
        let after = try runDepthFarm(["status", out]).standardOutput
        #expect(after.contains("; finished\n") && !after.contains("workers ("), "\(after)")
    }

    @Test("off loopback the page needs its token: 401 without, 403 with a wrong one, 200 with it (query or bearer); --insecure serves without one, with a warning")
    func token() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("live.yaml", Self.slow)
        let tokenFile = try folder.write("token", "0123456789abcdef0123456789abcdef\n")
        chmod(tokenFile, 0o600)
        let guarded = try BackgroundProcess(["coordinator", sweep, "--out", folder.file("a"), "--bind", "tcp://127.0.0.1:0",
                                             "--dashboard", "0.0.0.0:0", "--dashboard-token", tokenFile], folder: folder, name: "guarded")
        let printed = try #require(Self.dashboardURL(guarded), "\(guarded.standardError)")
        #expect(guarded.standardError.contains("?token=… (the token in \(tokenFile))"))
        let port = try #require(printed.firstMatch(of: #/:(\d+)/$/#)).1
        let url = "http://127.0.0.1:\(port)/"
        #expect(waitUntil(timeout: 10) { (try? Self.get(url + "metrics", headers: ["Authorization: Bearer 0123456789abcdef0123456789abcdef"]).status) == 200 })
        for path in ["", "metrics", "status.json", "fragment"] {
            let none = try Self.get(url + path)
            #expect(none.status == 401 && none.body.contains("needs its token"), "\(path): \(none)")
            #expect(try Self.get(url + path + "?token=0123456789abcdef0123456789abcdeX").status == 403)
            #expect(try Self.get(url + path, headers: ["Authorization: Bearer nope"]).status == 403)
            #expect(try Self.get(url + path + "?token=0123456789abcdef0123456789abcdef").status == 200, "\(path)")
        }
        #expect(try Self.get(url + "?token=0123456789abcdef0123456789abcdef").body.contains("<div id=\"live\""))
        guarded.signal(SIGTERM)
        #expect(guarded.wait(timeout: 20) == 143)

        let open = try BackgroundProcess(["coordinator", sweep, "--out", folder.file("b"), "--bind", "tcp://127.0.0.1:0",
                                          "--dashboard", "0.0.0.0:0", "--insecure"], folder: folder, name: "open")
        let openURL = try #require(Self.dashboardURL(open), "\(open.standardError)")
        #expect(open.standardError.contains("warning: --insecure: the live page on 0.0.0.0:0 is open to anyone who can reach it"))
        let openPort = try #require(openURL.firstMatch(of: #/:(\d+)/$/#)).1
        #expect(try Self.get("http://127.0.0.1:\(openPort)/metrics").status == 200)
        open.signal(SIGTERM)
        #expect(open.wait(timeout: 20) == 143)
    }

    @Test("a port already in use: one line saying so, exit 1")
    func portInUse() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("live.yaml", Self.slow)
        let first = try BackgroundProcess(["coordinator", sweep, "--out", folder.file("a"), "--bind", "tcp://127.0.0.1:0", "--dashboard", "0"],
                                          folder: folder, name: "first")
        let url = try #require(Self.dashboardURL(first))
        let port = try #require(url.firstMatch(of: #/:(\d+)/$/#)).1
        let second = try runDepthFarm(["run", sweep, "--out", folder.file("b"), "--workers", "1", "--dashboard", String(port)])
        // Found once the sweep has started (its first line said so): one error line, the last.
        #expect(second.status == 1)
        #expect(second.errorLines.filter { $0.hasPrefix("Error:") } == ["Error: --dashboard 127.0.0.1:\(port): cannot listen (Address already in use)"],
                "\(second.standardError)")
        #expect(second.errorLines.last?.hasPrefix("Error:") == true)
        first.signal(SIGTERM)
        #expect(first.wait(timeout: 20) == 143)
    }

    @Test("a screenshot of the live page during a random search (/tmp/depthfarm-live-page.png)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: ReportTests.chromium), "Chromium is not installed"))
    func randomSearchScreenshot() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("search.yaml", ReportTests.randomSearch)
        let out = folder.file("out")
        let process = try BackgroundProcess(["run", sweep, "--out", out, "--workers", "2", "--dashboard", "127.0.0.1:0"], folder: folder, name: "run",
                                            environment: ["DEPTHFARM_SLOW_WINDOW_MS": "60"])
        let url = try #require(Self.dashboardURL(process), "\(process.standardError)")
        #expect(waitUntil(timeout: 60) { (((try? Self.status(url)) ?? nil)?.counts.finished ?? 0) >= 6 })
        let screenshot = "/tmp/depthfarm-live-page.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        let shot = try run("/usr/bin/timeout", ["120", ReportTests.chromium] + ReportTests.chromiumFlags
                           + ["--window-size=1320,5200", "--virtual-time-budget=3000", "--screenshot=" + screenshot, url])
        #expect(shot.status == 0, "\(shot.standardError.suffix(2000))")
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 100_000)
        print("live page screenshot: \(screenshot) (\(png.count / 1024) KiB)")
        #expect(process.wait(timeout: 120) == 0, "\(process.standardError)")
    }
}
