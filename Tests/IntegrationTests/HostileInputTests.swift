import Foundation
import Glibc
import Testing
import TestSupport
import TrainingCore
import TrialFarm
import ZeroMQ

/// Bad input of every kind: command lines and sweep files (one clear line, non-zero exit, nothing
/// on disk touched), and a rogue peer flooding a running coordinator.
@Suite(.serialized) struct HostileInputTests {
    /// Every file under `folder` with its content, to show nothing changed.
    static func snapshot(_ folder: String) -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let name = enumerator?.nextObject() as? String {
            files[name] = FileManager.default.contents(atPath: folder + "/" + name) ?? Data()
        }
        return files
    }

    static let badSweeps: [(String, String)] = [
        ("parameters:\n  hidden: {values: [4, 8\n", "bad.yaml: line 3"),
        ("programme: train.py\nparameters: {}\n", "bad.yaml:1: programme: unknown key"),
        ("parameters:\n  hiden: {value: 4}\n", "bad.yaml:2: parameters.hiden: unknown parameter (did you mean 'hidden'?)"),
        ("parameters:\n  hidden: 4\n", "bad.yaml:2: parameters.hidden: expected a mapping, got a value"),
        ("parameters:\n  hidden: {values: []}\n", "bad.yaml:2: parameters.hidden.values: must not be empty"),
        ("parameters:\n  lr: {values: [0.1, -1]}\n", "bad.yaml:2: parameters.lr.values[1]: must be > 0 (got -1)"),
        ("parameters:\n  hidden: {values: [four]}\n", "bad.yaml:2: parameters.hidden.values[0]: must be an integer (got 'four')"),
        ("parameters:\n  seed: {value: 3}\n", "parameters.seed: seeds are given by the top-level seeds key"),
        ("seeds: [1, 1]\n", "bad.yaml:1: seeds[1]: duplicate seed 1"),
        ("seeds: {count: many}\n", "seeds.count: must be an integer (got 'many')"),
        ("parameters:\n  lr: {distribution: uniform, min: 0.1, max: 0.2}\n", "parameters.lr: distributions need method: random"),
        ("method: random\nparameters: {}\n", "samples: random search needs samples"),
        ("method: annealing\n", "bad.yaml:1: method: must be grid, random, bayes or race (got 'annealing')"),
        ("metric: {name: accuracy}\n", "metric.name: must be one of test_acc, test_loss, train_acc, train_loss (got 'accuracy')"),
        ("parameters:\n  seq_len: {value: 25}\n", "the configuration seq_len = 25 cannot run: seq_len: must be a multiple of bptt_t"),
        ("parameters:\n  hidden: {value: 65536}\n  batch: {value: 100000}\n", "hidden: this trial needs about"),
        ("- one\n- two\n", "bad.yaml:1: expected a mapping with a parameters section"),
        ("", "bad.yaml: the file is empty"),
        ("seeds: {count: 1000}\nparameters:\n  hidden: {values: [1, 2, 3, 4, 5]}\n", "bad.yaml: 5000 trials is more than --max-trials (1000)"),
        // A grid of 10^12 and of more than 2^63 values: counted, not listed (this aborted out of memory and trapped).
        ("parameters:\n  lr: {distribution: q_uniform, min: 0.0001, max: 1, q: 1.0e-12}\n", "trials is more than --max-trials (1000)"),
        ("parameters:\n  lr: {distribution: q_uniform, min: 0.0001, max: 1.0e300, q: 1.0e-12}\n",
         "bad.yaml: more than 2^63 trials is more than --max-trials (1000)"),
    ]

    @Test("malformed sweep files: one line naming the file, line and key; the output folder untouched", arguments: badSweeps)
    func badSweep(_ text: String, _ message: String) throws {
        let folder = TemporaryFolder()
        let out = folder.file("out")
        #expect(try runDepthFarm(["run", try folder.write("small.yaml", Fixtures.small), "--out", out, "--workers", "2"]).status == 0)
        let before = Self.snapshot(out)
        let bad = try folder.write("bad.yaml", text)
        let result = try runDepthFarm(["run", bad, "--out", out, "--max-trials", "1000"], directory: folder.path)
        #expect(result.status != 0)
        let lines = result.errorLines
        #expect(lines.count == 1 && lines[0].contains(message), "\(result.standardError)")
        #expect(Self.snapshot(out) == before)
    }

    static let badCommands: [([String], String)] = [
        (["run", "/nonexistent/sweep.yaml", "--out", "OUT"], "cannot read '/nonexistent/sweep.yaml': No such file or directory"),
        (["run"], "Missing expected argument '<sweep>'"),
        (["run", "SWEEP", "--out", "OUT", "--wrokers", "2"], "Unknown option '--wrokers'"),
        (["run", "SWEEP", "--out", "OUT", "--workers", "0"], "--workers must be in 1 … 1024 (got 0)"),
        (["run", "SWEEP", "--out", "OUT", "--workers", "two"], "The value 'two' is invalid for '--workers <n>'"),
        (["run", "SWEEP", "--out", "/proc/depthfarm-results"], "cannot create '/proc/depthfarm-results'"),
        (["run", "SWEEP", "--out", "OUT/sweep.yaml/inside"], "cannot create 'OUT/sweep.yaml/inside'"),
        (["run", "OTHER", "--out", "OUT"], "holds the results of another sweep"),
        (["run", "SWEEP", "--out", "OUT", "--max-attempts", "0"], "--max-attempts must be in 1 … 1000 (got 0)"),
        (["run", "SWEEP", "--out", "OUT", "--heartbeat-ms", "1"], "--heartbeat-ms must be in 10 … 3600000 (got 1)"),
        (["coordinator", "SWEEP", "--out", "OUT", "--bind", "127.0.0.1:5555"], "--bind 127.0.0.1:5555: not a ZeroMQ endpoint"),
        (["coordinator", "SWEEP", "--out", "OUT", "--bind", "tcp://127.0.0.1:70000"], "the port must be a number in 0 … 65535"),
        (["coordinator", "SWEEP", "--out", "OUT", "--bind", "tcp://0.0.0.0:5555"], "--bind tcp://0.0.0.0:5555: other machines could join without a key"),
        (["coordinator", "SWEEP", "--out", "OUT", "--bind", "tcp://127.0.0.1:0", "--curve-secret-key", "KEYS/c.secret"],
         "--curve-secret-key and --authorized-keys go together"),
        (["coordinator", "SWEEP", "--out", "OUT", "--bind", "tcp://127.0.0.1:0", "--curve-secret-key", "KEYS/c.secret",
          "--authorized-keys", "EMPTY"], "holds no .public key files"),
        (["coordinator", "SWEEP", "--out", "OUT", "--bind", "tcp://127.0.0.1:0", "--curve-secret-key", "KEYS/open.secret",
          "--authorized-keys", "KEYS"], "the secret key is readable by others (chmod 600 it)"),
        (["coordinator", "SWEEP", "--out", "OUT", "--bind", "tcp://127.0.0.1:0", "--curve-secret-key", "KEYS/c.public",
          "--authorized-keys", "KEYS"], "has no secret-key line"),
        (["worker", "--connect", "tcp://localhost"], "--connect tcp://localhost: not a ZeroMQ endpoint"),
        (["worker", "--connect", "tcp://no-such-host.invalid:5555"], "--connect tcp://no-such-host.invalid:5555: the host name 'no-such-host.invalid' does not resolve"),
        (["worker", "--connect", "tcp://127.0.0.1:5555", "--curve-server-key", "KEYS/c.public"], "--curve-server-key and --curve-secret-key go together"),
        (["worker", "--connect", "tcp://127.0.0.1:5555", "--curve-server-key", "KEYS/missing.public", "--curve-secret-key", "KEYS/c.secret"],
         "cannot read 'KEYS/missing.public': No such file or directory"),
        (["summarize", "KEYS"], "holds no sweep results (no sweep.yaml)"),
        (["report", "KEYS"], "holds no sweep results (no sweep.yaml)"),
        (["report", "OUT", "--group-by", "hiden"], "--group-by hiden: not a parameter (one of: task, method, layers, hidden,"),
        (["report", "OUT", "--out", "EMPTY/missing/report.html"], "cannot write 'EMPTY/missing/report.html': No such file or directory"),
        (["report", "OUT", "--smooth", "0"], "--smooth must be in 1 … 1000000 (got 0)"),
        (["report", "OUT", "--top", "0"], "--top must be in 1 … 1000000 (got 0)"),
        (["report", "OUT", "--top=-3"], "--top must be in 1 … 1000000 (got -3)"),
        (["export", "/nonexistent/results", "--to", "mlflow"], "/nonexistent/results: no such folder"),
        (["export", "KEYS", "--to", "mlflow"], "holds no sweep results (no sweep.yaml)"),
        (["export", "OUT/sweep.yaml", "--to", "mlflow"], "OUT/sweep.yaml: is not a folder"),
        (["export", "OUT"], "Missing expected argument '--to <format>'"),
        (["export", "OUT", "--to", "csv"], "--to must be mlflow or tensorboard (got 'csv')"),
        (["export", "OUT", "--to", "mlflow", "--out", "/proc/depthfarm-export"], "cannot create '/proc/depthfarm-export'"),
        (["export", "OUT", "--to", "tensorboard", "--out", "OUT/sweep.yaml"], "OUT/sweep.yaml: exists and is not a folder"),
        (["export", "OUT", "--to", "tensorboard", "--out", "KEYS"], "KEYS: is not empty (add --force to replace an earlier export there)"),
        (["export", "OUT", "--to", "mlflow", "--out", "OUT", "--force"], "OUT: holds files that are not a depthfarm export: not replaced, even with --force"),
        (["keygen", "c", "--out", "KEYS"], "KEYS/c.public: exists (add --force to replace it)"),
        (["keygen", "../escape", "--out", "KEYS"], "use letters, digits, '-', '_' and '.' only"),
        (["worker", "--connect", "tcp://127.0.0.1:5555", "--name", "node\u{1B}[2J\r\nevil"],
         "--name must be printable, without control characters (got 'node\\x1b[2J\\x0d\\x0aevil')"),
        (["run", "SWEEP", "--out", "OUT", "--dashboard", "70000"], "--dashboard 70000: the port must be a number in 0 … 65535 (got 70000)"),
        (["run", "SWEEP", "--out", "OUT", "--dashboard", "localhost"], "--dashboard localhost: the port must be a number in 0 … 65535 (got 'localhost')"),
        (["run", "SWEEP", "--out", "OUT", "--dashboard", "http://127.0.0.1:8080"], "--dashboard http://127.0.0.1:8080: expected [ADDRESS:]PORT"),
        (["run", "SWEEP", "--out", "OUT", "--dashboard", "example.com:8080"], "'example.com' is not an IP address"),
        (["run", "SWEEP", "--out", "OUT", "--dashboard", "::1:8080"], "--dashboard ::1:8080: an IPv6 address goes in brackets, e.g. [::1]:8080"),
        (["run", "SWEEP", "--out", "OUT", "--dashboard", "0.0.0.0:8080"],
         "--dashboard 0.0.0.0:8080: other machines could read this sweep's live page; add --dashboard-token FILE or --insecure"),
        (["coordinator", "SWEEP", "--out", "OUT", "--bind", "tcp://127.0.0.1:0", "--dashboard", "[::]:0"],
         "--dashboard [::]:0: other machines could read this sweep's live page; add --dashboard-token FILE or --insecure"),
        (["run", "SWEEP", "--out", "OUT", "--dashboard-token", "KEYS/c.secret"], "--dashboard-token needs --dashboard"),
        (["run", "SWEEP", "--out", "OUT", "--dashboard", "0.0.0.0:0", "--dashboard-token", "KEYS/missing"], "cannot read 'KEYS/missing': No such file or directory"),
        (["run", "SWEEP", "--out", "OUT", "--dashboard", "0.0.0.0:0", "--dashboard-token", "KEYS/open.secret"],
         "KEYS/open.secret: the token file is readable by others (chmod 600 it)"),
        (["coordinator", "SWEEP", "--out", "OUT", "--bind", "tcp://127.0.0.1:0", "--dashboard", "0", "--dashboard-token", "KEYS/c.secret"],
         "KEYS/c.secret: a token must be 16 to 1024 characters of letters, digits and - . _ ~"),
        (["coordinator", "SWEEP", "--out", "OUT", "--bind", "tcp://127.0.0.1:0", "--dashboard", "0", "--dashboard-token", "KEYS"],
         "KEYS: is not a regular file"),
    ]

    @Test("bad command lines: one line naming the argument; nothing on disk touched", arguments: badCommands)
    func badCommand(_ arguments: [String], _ message: String) throws {
        let folder = TemporaryFolder()
        let out = folder.file("out"), keys = folder.file("keys"), empty = folder.file("empty")
        let sweep = try folder.write("small.yaml", Fixtures.small)
        #expect(try runDepthFarm(["run", sweep, "--out", out, "--workers", "2"]).status == 0)
        #expect(try runDepthFarm(["keygen", "c", "--out", keys]).status == 0)
        #expect(try runDepthFarm(["keygen", "open", "--out", keys]).status == 0)
        chmod(keys + "/open.secret", 0o644)
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let other = try folder.write("other.yaml", Fixtures.small.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [9]"))
        let before = Self.snapshot(folder.path)
        let substitute = { (text: String) in
            text.replacingOccurrences(of: "SWEEP", with: sweep).replacingOccurrences(of: "OTHER", with: other)
                .replacingOccurrences(of: "OUT", with: out).replacingOccurrences(of: "KEYS", with: keys).replacingOccurrences(of: "EMPTY", with: empty)
        }
        let result = try runDepthFarm(arguments.map(substitute), directory: folder.path)
        #expect(result.status != 0)
        let lines = result.errorLines
        #expect(lines.count == 1 && lines[0].contains(substitute(message)), "\(result.standardError)")
        #expect(Self.snapshot(folder.path) == before)
    }

    /// With `name: ..` the default folder results/.. was the working folder itself: its
    /// metrics.csv overwritten, its spool/ removed. No name may take the folder out of results/.
    @Test("a sweep name that would take the default folder out of results/ is refused; the working folder is untouched",
          arguments: ["\"..\"", ".", "../x", "/tmp/abs", "\"\"", "a/b", "\"a\\e[2J\"", "\"a\\r\\nb\"", "-x"])
    func namesStayInResults(_ name: String) throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("named.yaml", "name: \(name)\n" + Fixtures.small.replacingOccurrences(of: "name: small\n", with: ""))
        _ = try folder.write("metrics.csv", "a user's own file\n")
        try FileManager.default.createDirectory(atPath: folder.file("spool"), withIntermediateDirectories: true)
        _ = try folder.write("spool/keep", "a user's own folder\n")
        let before = Self.snapshot(folder.path)
        for command in ["run", "coordinator"] {
            let result = try runDepthFarm([command, sweep] + (command == "coordinator" ? ["--bind", "tcp://127.0.0.1:0"] : []), directory: folder.path)
            #expect(result.status == 1)
            #expect(result.errorLines.count == 1 && result.errorLines[0].contains("named.yaml:1: name: must name a folder inside results/"),
                    "\(result.standardError)")
            #expect(!result.standardError.unicodeScalars.contains { PrintableText.isUnsafe($0) && $0 != "\n" })
        }
        #expect(Self.snapshot(folder.path) == before)
    }

    @Test("a sweep file that is not UTF-8 is refused with one line naming it; the default folder uses a checked name")
    func notUTF8() throws {
        let folder = TemporaryFolder()
        let path = folder.file("latin1.yaml")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("name: caf".utf8) + [0xE9] + Data(("\n" + Fixtures.small.replacingOccurrences(of: "name: small\n", with: "")).utf8)))
        let result = try runDepthFarm(["run", path], directory: folder.path)
        #expect(result.status == 1 && result.errorLines == ["Error: \(path):1: not UTF-8 text (byte 0xE9 at offset 9); save the file as UTF-8"],
                "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("results")))
        let good = try folder.write("good.yaml", Fixtures.small.replacingOccurrences(of: "name: small", with: "name: café ✓"))
        #expect(try runDepthFarm(["run", good, "--workers", "2"], directory: folder.path).status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.file("results/café ✓/trials.csv")))
        #expect(try runDepthFarm(["summarize", "results/café ✓"], directory: folder.path).status == 0)
    }

    /// The coordinator read every file named *.public in --authorized-keys to its end: a FIFO
    /// hung it, a link to /dev/zero allocated until abort, a large file took seconds and memory.
    @Test("--authorized-keys holding a FIFO, a link to /dev/zero or a large file: refused at once with one line")
    func hostileKeyFiles() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        #expect(try runDepthFarm(["keygen", "c", "--out", folder.file("keys")]).status == 0)
        let cases: [(String, (String) -> Int32, String)] = [
            ("fifo", { mkfifo($0, 0o644) }, "is not a regular file (a key file is expected)"),
            ("zero", { symlink("/dev/zero", $0) }, "is not a regular file (a key file is expected)"),
            ("big", { path in
                let fd = open(path, O_WRONLY | O_CREAT, 0o644)
                defer { close(fd) }
                return ftruncate(fd, 200 << 20)
            }, "is too large for a key file (more than 4096 bytes)"),
        ]
        for (name, make, message) in cases {
            let authorized = folder.file("authorized-\(name)")
            try FileManager.default.createDirectory(atPath: authorized, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: folder.file("keys/c.public"), toPath: authorized + "/c.public")
            #expect(make(authorized + "/\(name).public") == 0)
            let clock = ContinuousClock(), start = clock.now
            let coordinator = try BackgroundProcess(["coordinator", sweep, "--out", folder.file("out"), "--bind", "tcp://127.0.0.1:0",
                                                     "--curve-secret-key", folder.file("keys/c.secret"), "--authorized-keys", authorized],
                                                    folder: folder, name: "coordinator-\(name)")
            let status = coordinator.wait(timeout: 10)
            if status == nil { coordinator.signal(SIGKILL) }
            #expect(status == 1 && clock.now - start < .seconds(5), "\(name): \(String(describing: status))")
            let lines = coordinator.standardError.split(separator: "\n")
            #expect(lines == ["Error: \(authorized)/\(name).public: \(message)"], "\(coordinator.standardError)")
            #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
        }
    }

    /// A worker's host name and version went to the coordinator's terminal raw (an ESC sequence
    /// clears it, CR LF forges a log line), and into trials.csv and the journal.
    @Test("a peer whose HELLO, FAILED and BYE carry control characters: log, trials.csv and journal hold them escaped")
    func hostilePeerText() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("two.yaml", Fixtures.small.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "seeds: [0, 1]")
            .replacingOccurrences(of: "hidden: {values: [4, 8]}", with: "hidden: {value: 4}").replacingOccurrences(of: "method: {values: [bptt, bptd]}", with: "method: {value: bptt}"))
        let out = folder.file("out")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, ["--max-attempts", "1", "--log-level", "debug"], folder: folder)
        let context = try Context()
        let peer = try Socket(context, .dealer)
        try peer.setLinger(milliseconds: 0)
        try peer.connect(endpoint)
        let host = "\u{1B}[2J\r\nevil\tx", shown = "\\x1b[2J\\x0d\\x0aevil\\x09x"
        try #require(try peer.send(WireMessage.hello(host: host, pid: 4242, version: "6.6\u{1B}]0;pwned\u{07}").encode(), wait: true))
        try #require(try peer.send(WireMessage.ready.encode(), wait: true))
        try #require(try peer.send(WireMessage.ready.encode(), wait: true))
        var assigned: [(trial: UInt64, attempt: Int)] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while assigned.count < 2 && ContinuousClock.now < deadline {
            guard let (frames, _) = try peer.receive() else { usleep(10_000); continue }
            if case .assign(let trial, let attempt, _, _, _, _, _) = try WireMessage.decode(frames) { assigned.append((trial, attempt)) }
        }
        try #require(assigned.count == 2)
        var outcome = TrialOutcome(status: .completed)
        outcome.epochsCompleted = 2
        try #require(try peer.send(WireMessage.done(trial: assigned[0].trial, attempt: assigned[0].attempt, batches: 0, outcome: outcome).encode(), wait: true))
        try #require(try peer.send(WireMessage.failed(trial: assigned[1].trial, attempt: assigned[1].attempt,
                                                      error: "boom\r\n\u{1B}[31mred\tx").encode(), wait: true))
        #expect(coordinator.wait(timeout: 30) == 1, "\(coordinator.standardError)")
        let unsafe = { (text: String) in text.unicodeScalars.contains { PrintableText.isUnsafe($0) && $0 != "\n" } }
        let log = coordinator.standardError
        #expect(!unsafe(log), "\(log)")
        #expect(log.contains("worker \(shown)/4242 joined") && log.contains("runs depthfarm 6.6\\x1b]0;pwned\\x07,"), "\(log)")
        #expect(!log.split(separator: "\n").contains { $0.hasPrefix("evil") })
        let trials = try String(contentsOfFile: out + "/trials.csv", encoding: .utf8)
        #expect(!unsafe(trials))
        let rows = try Fixtures.rows(out + "/trials.csv")
        #expect(rows.count == 3 && rows.allSatisfy { $0.count == rows[0].count })
        let byColumn = try Fixtures.trials(out)
        #expect(byColumn[0]["host"] == shown && byColumn[1]["status"] == "failed")
        #expect(byColumn[1]["error"]?.contains("boom\\x0d\\x0a\\x1b[31mred\\x09x") == true)
        let journal = try String(contentsOfFile: out + "/journal.log", encoding: .utf8)
        #expect(!journal.unicodeScalars.contains { PrintableText.isUnsafe($0) && $0 != "\n" && $0 != "\t" })
        let done = try #require(journal.split(separator: "\n").first { $0.hasPrefix("done\t") })
        // The journal doubles backslashes (its own escape for TAB and line breaks).
        #expect(done.split(separator: "\t", omittingEmptySubsequences: false).count == 20  // 18 fields, the rows' CRC, the line's
                && done.contains("\t\(shown.replacingOccurrences(of: "\\", with: "\\\\"))\t"))
    }

    @Test("a rogue peer sends over 100,000 bad messages while a sweep runs: the coordinator stays up, bounded, and right")
    func roguePeer() throws {
        let folder = TemporaryFolder()
        let sweep = try folder.write("small.yaml", Fixtures.small)
        let out = folder.file("out")
        let (coordinator, endpoint) = try Fixtures.coordinator(sweep, out: out, ["--heartbeat-ms", "500"], folder: folder)
        let workers = try BackgroundProcess(["worker", "--connect", endpoint, "--processes", "2"], folder: folder, name: "workers",
                                            environment: ["DEPTHFARM_SLOW_WINDOW_MS": "40"])
        let plan = try SweepPlan(try Sweep.parse(Fixtures.small, source: "small.yaml"))
        let sent = try Rogue(endpoint: endpoint, plan: plan).attack(messages: 120_000) { coordinator.isRunning }
        let peak = Rogue.peakResidentMegabytes(of: coordinator)
        print("rogue peer: \(sent) messages sent; coordinator peak resident memory \(peak) MB")
        #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.standardError.suffix(3000))\n\(workers.standardError.suffix(2000))")
        #expect(workers.wait(timeout: 20) == 0)
        #expect(sent >= 100_000)
        #expect(peak < 300, "peak resident memory \(peak) MB")
        let log = coordinator.standardError
        #expect(log.contains("dropped ") && log.contains("wrong protocol or version") && log.contains("stale attempt"))
        let trials = try Fixtures.trials(out)
        #expect(trials.count == 12 && trials.allSatisfy { $0["status"] == "completed" && $0["failures"] == "0" })
        let undisturbed = folder.file("undisturbed")
        #expect(try runDepthFarm(["run", sweep, "--out", undisturbed]).status == 0)
        #expect(try Fixtures.metricsWithoutTiming(out) == Fixtures.metricsWithoutTiming(undisturbed))
    }
}

/// A hostile peer: strangers that never greet, an impostor that greets and then claims results
/// for trials it was never given, oversized frames, and raw garbage on the TCP port.
struct Rogue {
    let endpoint: String
    let plan: SweepPlan

    /// Sends `messages` messages (or fewer, if the coordinator stops first); returns how many were sent.
    func attack(messages: Int, while running: () -> Bool) throws -> Int {
        let context = try Context()
        func dealer(_ id: String) throws -> Socket {
            let socket = try Socket(context, .dealer)
            try socket.setLinger(milliseconds: 0)
            try socket.setRoutingID(Array(id.utf8))
            try socket.setHighWaterMarks(send: 100_000, receive: 10)
            try socket.connect(endpoint)
            return socket
        }
        let stranger = try dealer("stranger"), impostor = try dealer("impostor"), giant = try dealer("giant")
        try impostor.send(WireMessage.hello(host: "impostor", pid: 1, version: DepthFarmVersion.current).encode(), wait: true)
        var random = RandomStream(seed: 99, purpose: .testData)
        var records: [UInt8] = []
        WireProtocol.appendRecord(MetricRecord(epoch: 1, step: 1, metric: .trainLoss, value: 0.5), to: &records)
        let trials = plan.trials.map(\.id)
        func valid() -> [[UInt8]] {
            let trial = trials[random.nextBelow(trials.count)], attempt = 1 + random.nextBelow(3)
            switch random.nextBelow(8) {
            case 0: return WireMessage.metrics(trial: trial, attempt: attempt, sequence: random.nextBelow(3), records: records).encode()
            case 1: return WireMessage.done(trial: trial, attempt: attempt, batches: random.nextBelow(3), outcome: TrialOutcome(status: .completed)).encode()
            case 2: return WireMessage.failed(trial: trial, attempt: attempt, error: "nope").encode()
            case 3: return WireMessage.assign(trial: trial, attempt: attempt, configuration: "{}", until: 0, checkpointEvery: 0, resumeEpoch: 0,
                                                resumeChunks: 0).encode()
            case 4: return WireMessage.cancel(trial: trial, attempt: attempt).encode()
            case 5: return WireMessage.heartbeat.encode()
            case 6: return WireMessage.shutdown(reason: "bye").encode()
            default: return WireMessage.metrics(trial: random.next(), attempt: attempt, sequence: 0, records: records).encode()
            }
        }
        func mutated() -> [[UInt8]] {
            var frames = valid()
            switch random.nextBelow(5) {
            case 0:  // bit flip
                let f = random.nextBelow(frames.count)
                if !frames[f].isEmpty { frames[f][random.nextBelow(frames[f].count)] ^= UInt8(1 << random.nextBelow(8)) }
            case 1:  // truncation
                frames = Array(frames.prefix(1 + random.nextBelow(frames.count)))
            case 2:  // wrong version
                frames[0] = Array("depthfarm/\(random.nextBelow(9) + 2)".utf8)
            case 3:  // random bytes
                frames = (0..<(1 + random.nextBelow(5))).map { _ in (0..<random.nextBelow(64)).map { _ in UInt8(random.nextBelow(256)) } }
            default:  // too many frames
                frames += [[UInt8]](repeating: [1], count: 20)
            }
            return frames
        }
        var sent = 0, round = 0
        while sent < messages && running() && round < 10 * messages {
            round += 1
            if round % 5000 == 0 {
                // An oversized frame (libzmq disconnects the giant, which reconnects), and raw garbage.
                _ = try giant.send([[UInt8](repeating: 7, count: 1 << 19)])
                Self.garbage(to: endpoint, bytes: (0..<256).map { _ in UInt8(random.nextBelow(256)) })
            }
            let socket = round % 2 == 0 ? stranger : impostor
            if try socket.send(round % 3 == 0 ? valid() : mutated()) { sent += 1 } else { usleep(1000) }
            while (try? stranger.receive()) != nil {}  // drain the coordinator's answers
            while (try? impostor.receive()) != nil {}
        }
        return sent
    }

    /// Connects a plain TCP socket to the endpoint and writes `bytes` (not ZMTP at all).
    static func garbage(to endpoint: String, bytes: [UInt8]) {
        let parts = endpoint.dropFirst("tcp://".count).split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { return }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr(String(parts[0]))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// The largest resident set a process has had (VmHWM), in MB.
    static func peakResidentMegabytes(of process: BackgroundProcess) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }
}
