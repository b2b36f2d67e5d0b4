import Foundation
import Testing
import TestSupport
import TrainingCore
import TrialFarm

@Suite struct TrainCommandTests {
    static let small = ["--set", "seq_len=60", "--set", "bptt_t=10", "--set", "hidden=6", "--set", "batch=4",
                        "--set", "epochs=2", "--set", "metrics_every=2"]

    @Test("train prints the metric stream as CSV, bit-identical to the library's, and a summary line")
    func streamsCSV() throws {
        let result = try runDepthFarm(["train"] + Self.small + ["--set", "method=bptd"])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == "epoch,step,metric,lag,value")
        var config = TrialConfig()
        for pair in stride(from: 1, to: Self.small.count, by: 2) {
            let parts = Self.small[pair].split(separator: "=", maxSplits: 1).map(String.init)
            try config.set(parts[0], to: parts[1])
        }
        config.method = .bptd
        var expected: [String] = []
        _ = try Trial(config).run { expected.append(MetricCSV.fields($0)) }
        let withoutTime = { (rows: [String]) in rows.filter { !$0.contains(",wall_seconds,") } }
        #expect(withoutTime(Array(lines.dropFirst())) == withoutTime(expected))
        #expect(lines.contains("2,,test_acc,,\(expected.first { $0.hasPrefix("2,,test_acc,,") }!.split(separator: ",").last!)"))
        let summary = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(summary.hasPrefix("status=completed train_loss="))
        #expect(summary.contains(" test_loss=") && summary.contains(" test_acc=") && summary.contains(" windows/s="))
    }

    @Test("copy and adding train from the command line; adding reports its mean squared error and no accuracy")
    func newTasks() throws {
        let copy = try runDepthFarm(["train", "--set", "task=copy", "--set", "delay=10", "--set", "bptt_t=15", "--set", "hidden=6",
                                     "--set", "epochs=1", "--set", "train_size=32", "--set", "batch=16"])
        #expect(copy.status == 0, "\(copy.standardError)")
        #expect(copy.standardOutput.contains("1,,test_acc,,") && copy.standardError.hasPrefix("status=completed"))
        let adding = try runDepthFarm(["train", "--set", "task=adding", "--set", "seq_len=20", "--set", "bptt_t=10", "--set", "hidden=6",
                                       "--set", "epochs=1", "--set", "train_size=32", "--set", "batch=16", "--set", "method=bptd",
                                       "--set", "lag_weighting=snr", "--set", "max_lag=4", "--set", "lag_tail=merge", "--set", "metrics_every=1"])
        #expect(adding.status == 0, "\(adding.standardError)")
        #expect(adding.standardOutput.contains("1,,test_loss,,") && !adding.standardOutput.contains(",test_acc,"))
        #expect(adding.standardOutput.contains(",lag_weight,4,"))
        #expect(adding.standardError.contains(" test_acc=- "))
    }

    @Test("--config reads YAML or JSON, --set overrides it, --out writes a file")
    func configFilesAndOutput() throws {
        let folder = TemporaryFolder()
        let yaml = try folder.write("trial.yaml", "seq_len: 40\nbptt_t: 10\nhidden: 5\nbatch: 3\nepochs: 1\nlr: 1e-3\n")
        let json = try folder.write("trial.json", #"{"seq_len": 40, "bptt_t": 10, "hidden": 5, "batch": 3, "epochs": 1, "lr": 0.001}"#)
        let fromYAML = try runDepthFarm(["train", "--config", yaml, "--out", folder.file("a.csv")])
        let fromJSON = try runDepthFarm(["train", "--config", json, "--out", folder.file("b.csv")])
        #expect(fromYAML.status == 0 && fromJSON.status == 0 && fromYAML.standardOutput.isEmpty)
        let a = try String(contentsOfFile: folder.file("a.csv"), encoding: .utf8)
        let b = try String(contentsOfFile: folder.file("b.csv"), encoding: .utf8)
        let strip = { (text: String) in text.split(separator: "\n").filter { !$0.contains("wall_seconds") } }
        #expect(strip(a) == strip(b) && strip(a).count > 10)
        let overridden = try runDepthFarm(["train", "--config", yaml, "--set", "seed=5", "--out", folder.file("c.csv")])
        #expect(overridden.status == 0)
        #expect(strip(try String(contentsOfFile: folder.file("c.csv"), encoding: .utf8)) != strip(a))
        #expect(folder.entries() == ["a.csv", "b.csv", "c.csv", "trial.json", "trial.yaml"])
    }

    static let badInvocations: [([String], String)] = [
        (["--set", "lr=-1"], "lr: must be > 0 (got -1)"),
        (["--set", "hiden=3"], "hiden: unknown parameter (did you mean 'hidden'?)"),
        (["--set", "lr"], "--set lr: expected KEY=VALUE"),
        (["--set", "seq_len=2001"], "seq_len: must be a multiple of bptt_t"),
        (["--set", "optimizer=sgd", "--set", "amsgrad=true"], "amsgrad: applies to adam and adamw only (optimizer is sgd)"),
        (["--set", "lag_weighting=cosine"], "lag_weighting: applies to bptd only"),
        (["--set", "method=bptd", "--set", "max_lag=20"], "max_lag: must be less than bptt_t (20 ≥ 20)"),
        (["--set", "task=copy", "--set", "delay=50", "--set", "seq_len=100"], "delay: copy needs seq_len = delay + 20"),
        (["--config", "/nonexistent/trial.yaml"], "cannot read '/nonexistent/trial.yaml': No such file or directory"),
        (["--out", "/nonexistent/folder/out.csv"], "cannot write '/nonexistent/folder/out.csv': No such file or directory"),
    ]

    @Test("bad arguments exit non-zero with one line naming the problem", arguments: badInvocations)
    func badArguments(_ arguments: [String], _ message: String) throws {
        let result = try runDepthFarm(["train"] + arguments)
        #expect(result.status != 0)
        let errorLines = result.errorLines
        #expect(errorLines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(message), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test("bad config files name the file, the line and the problem")
    func badConfigFiles() throws {
        let folder = TemporaryFolder()
        let cases: [(String, String)] = [
            ("hidden: 4\nlr: [1, 2\n", "trial.yaml: line "),
            ("hidden: 4\nlr: zero\n", "trial.yaml:2: lr: must be a finite number (got 'zero')"),
            ("hidden: 4\nlayers:\n  - 1\n", "trial.yaml:3: layers: expected a single value"),
            ("- 1\n- 2\n", "trial.yaml:1: expected a mapping of parameter names to values"),
            ("", "trial.yaml: the file is empty"),
            ("hidden: 4\nhidden: 5\n", "trial.yaml: line 1: duplicate key hidden"),
        ]
        for (text, message) in cases {
            let path = try folder.write("trial.yaml", text)
            let result = try runDepthFarm(["train", "--config", path])
            #expect(result.status != 0)
            #expect(result.standardError.contains(message), "\(text): \(result.standardError)")
            #expect(result.errorLines.count == 1)
        }
    }

    @Test("an existing --out file is not replaced without --force, and is replaced whole with it")
    func outputIsNotClobbered() throws {
        let folder = TemporaryFolder()
        let target = try folder.write("metrics.csv", "precious\n")
        let refused = try runDepthFarm(["train"] + Self.small + ["--out", target])
        #expect(refused.status != 0 && refused.standardError.contains("the file exists (add --force to replace it)"))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious\n")
        let failed = try runDepthFarm(["train", "--set", "lr=0", "--out", target, "--force"])
        #expect(failed.status != 0)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious\n")
        let replaced = try runDepthFarm(["train"] + Self.small + ["--out", target, "--force"])
        #expect(replaced.status == 0)
        #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("epoch,step,metric,lag,value\n"))
        #expect(folder.entries() == ["metrics.csv"])
    }

    @Test("a diverged trial is reported as a result, with its step")
    func divergedIsAResult() throws {
        let result = try runDepthFarm(["train"] + Self.small + ["--set", "optimizer=sgd", "--set", "lr=1e6", "--set", "clip=0",
                                                                "--set", "nonlinearity=relu"])
        #expect(result.status == 0)
        #expect(result.standardError.hasPrefix("status=diverged diverged_step="))
    }

    @Test("--help shows USAGE within its first lines, every option and every parameter's name; --parameters each with its default")
    func help() throws {
        let result = try runDepthFarm(["train", "--help"])
        #expect(result.status == 0)
        let usage = try #require(result.standardOutput.split(separator: "\n").firstIndex { $0.hasPrefix("USAGE:") })
        #expect(usage < 20, "USAGE on line \(usage + 1)")
        for option in ["--config <file>", "--set <key=value>", "--out <file>", "--force", "--parameters"] {
            #expect(result.standardOutput.contains(option), "\(option)")
        }
        let names = Set(result.standardOutput.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        for parameter in TrialConfig.parameters {
            #expect(names.contains(parameter.name), "\(parameter.name)")
        }
        let list = try runDepthFarm(["train", "--parameters"])
        #expect(list.status == 0)
        for parameter in TrialConfig.parameters {
            #expect(list.standardOutput.contains("\(parameter.name): \(parameter.values); default \(parameter.defaultValue)"),
                    "\(parameter.name)")
        }
        let root = try runDepthFarm(["--help"])
        for command in ["run", "coordinator", "worker", "summarize", "train", "gradients"] {
            #expect(root.standardOutput.contains("  \(command) "), "\(command)")
        }
    }
}
