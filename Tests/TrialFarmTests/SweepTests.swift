import Foundation
import Testing
import TrainingCore
@testable import TrialFarm

@Suite struct SweepTests {
    static let grid = """
        name: grid-test
        method: grid
        seeds: [0, 1, 2]
        metric: {name: test_loss, goal: minimize}
        parameters:
          method: {values: [bptt, bptd]}
          hidden: {values: [4, 8, 16]}
          lr: {value: 0.001}
        """

    @Test("a grid expands to every combination times every seed, configuration by configuration")
    func gridExpansion() throws {
        let sweep = try Sweep.parse(Self.grid, source: "grid.yaml")
        #expect(sweep.name == "grid-test" && sweep.metric == .testLoss && sweep.goal == .minimize)
        let plan = try SweepPlan(sweep)
        #expect(plan.configurations.count == 6 && plan.trials.count == 18 && SweepPlan.trialCount(sweep) == 18)
        #expect(plan.configurations.map { "\($0.method.rawValue)-\($0.hidden)" } == ["bptt-4", "bptt-8", "bptt-16", "bptd-4", "bptd-8", "bptd-16"])
        #expect(plan.configurations.allSatisfy { $0.lr == 0.001 && $0.epochs == 5 && $0.weightDecay == 0.01 })
        #expect(plan.trials.prefix(3).map(\.seed) == [0, 1, 2] && plan.trials.prefix(3).allSatisfy { $0.configuration == 0 })
        #expect(Set(plan.trials.map(\.id)).count == 18 && Set(plan.configurationIDs).count == 6)
        #expect(plan.variedParameters == ["method", "hidden"])
    }

    @Test("ids depend on the configuration and seed only: stable across runs and key orders")
    func stableIDs() throws {
        let reordered = """
            parameters:
              lr: {value: 1.0e-3}
              hidden: {values: [16, 8, 4]}
              method: {values: [bptd, bptt]}
            seeds: [2, 0, 1]
            method: grid
            name: another-name
            metric: {goal: minimize, name: test_loss}
            """
        let a = try SweepPlan(try Sweep.parse(Self.grid, source: "a"))
        let b = try SweepPlan(try Sweep.parse(reordered, source: "b"))
        #expect(Set(a.trials.map(\.id)) == Set(b.trials.map(\.id)))
        #expect(a.sweepID == b.sweepID)
        // The id is the hash of the canonical configuration with its seed, independent of the sweep.
        let trial = a.trials[4]
        let config = a.config(of: trial)
        #expect(trial.id == SweepPlan.id(config.canonicalJSON()))
        #expect(SweepPlan.hex(trial.id).count == 16)
    }

    @Test("a fixed, known id: the canonical form of the defaults and its hash (changing either changes every result folder)")
    func knownID() {
        let canonical = #"{"alpha":0.99,"amsgrad":"false","batch":50,"beta1":0.95,"beta2":0.95,"bptt_t":20,"classes":8,"clip":1.0,"#
            + #""clip_mode":"norm","data":"fresh","delay":100,"echo":3,"epochs":5,"eps":1e-08,"hidden":20,"lag_tail":"drop","#
            + #""lag_weight_beta":0.95,"lag_weighting":"none","layers":1,"loss_at":"every","lr":0.0003,"max_lag":"none","#
            + #""method":"bptt","metrics_every":10,"momentum":0.0,"nonlinearity":"tanh","norm_p":"2","optimizer":"adamw","#
            + #""precision":"f32","seed":0,"seq_len":2000,"task":"echo","test_size":128,"train_size":512,"weight_decay":0.01}"#
        #expect(TrialConfig().canonicalJSON() == canonical)
        // The first 16 hex digits of SHA-256 of that text, by Python's hashlib.
        #expect(SweepPlan.hex(SweepPlan.id(canonical)) == "3e0d58925d98caa5")
    }

    /// FIPS 180-2's examples (and the empty message), against the hand-written SHA-256.
    static let nistVectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    @Test("SHA-256 gives NIST's digests", arguments: nistVectors)
    func sha256(_ message: String, _ digest: String) {
        #expect(SHA256.hex(message.utf8) == digest)
    }

    @Test("SHA-256 fed in pieces, split anywhere (and a copied state fed on), gives the digest of the whole")
    func sha256Pieces() {
        let message = Array(Self.nistVectors[2].0.utf8) + Array(repeating: UInt8(ascii: "x"), count: 150)
        for split in 0...message.count {
            var hasher = SHA256()
            hasher.update(message[..<split])
            var copy = hasher
            copy.update(message[split...])
            #expect(copy.finalize() == SHA256.digest(message), "split at \(split)")
            // The state copied from is not changed by what its copy was fed.
            hasher.update(message[split...])
            #expect(hasher.finalize() == SHA256.digest(message))
        }
        // A sequence without contiguous storage, and the empty message's digest from no update at all.
        #expect(SHA256.digest(message.lazy.map { $0 }) == SHA256.digest(message))
        #expect(SHA256().finalize() == SHA256.digest([UInt8]()))
    }

    @Test("the sweep's identity hashes its sorted ids, written as it hashes, exactly as joined into one text")
    func identityHashStreams() {
        var random = SystemRandomNumberGenerator()
        let ids = (0..<1000).map { _ in random.next() as UInt64 }
        for suffix in ["", "\nmethod: grid"] {
            let joined = ids.sorted().map(SweepPlan.hex).joined(separator: "\n") + suffix
            #expect(SweepPlan.hexLines(ids, then: suffix) == SHA256.hex(joined.utf8))
        }
        #expect(SweepPlan.hexLines([], then: "") == SHA256.hex("".utf8))
    }

    @Test("a plan's trial ids (the text before the seed hashed once per configuration) are the hashes of the whole canonical text")
    func trialIDsHashWholeText() throws {
        let plan = try SweepPlan(try Sweep.parse("seeds: {count: 300}\nparameters:\n  hidden: {values: [4, 8]}\n", source: "s.yaml"))
        #expect(plan.trials.count == 600)
        for trial in plan.trials {
            #expect(trial.id == SweepPlan.id(plan.config(of: trial).canonicalJSON()))
        }
    }

    static let random = """
        method: random
        samples: 20
        sample_seed: 7
        seeds: {count: 2}
        parameters:
          lr: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0e-2}
          beta1: {distribution: uniform, min: 0.8, max: 0.99}
          hidden: {distribution: int_uniform, min: 4, max: 64}
          method: {distribution: categorical, values: [bptt, bptd]}
          nonlinearity: {values: [tanh, relu]}
          epochs: {value: 3}
        """

    @Test("random search is reproducible from sample_seed and stays within its ranges")
    func randomSearch() throws {
        let first = try SweepPlan(try Sweep.parse(Self.random, source: "r"))
        let again = try SweepPlan(try Sweep.parse(Self.random, source: "r"))
        #expect(first.trials == again.trials)
        #expect(first.configurations.count + first.duplicates == 20 && first.trials.count == first.configurations.count * 2)
        for config in first.configurations {
            #expect(config.lr >= 1e-4 && config.lr < 1e-2 && config.beta1 >= 0.8 && config.beta1 < 0.99)
            #expect((4...64).contains(config.hidden) && config.epochs == 3)
        }
        #expect(Set(first.configurations.map(\.method)).count == 2 && Set(first.configurations.map(\.nonlinearity)).count == 2)
        let other = try SweepPlan(try Sweep.parse(Self.random.replacingOccurrences(of: "sample_seed: 7", with: "sample_seed: 8"), source: "r"))
        #expect(other.trials != first.trials)
    }

    @Test("a grid enumerates int_uniform and q_uniform as W&B's grid does")
    func gridOfDistributions() throws {
        let text = "parameters:\n  hidden: {distribution: int_uniform, min: 4, max: 6}\n  clip: {distribution: q_uniform, min: 0.5, max: 2, q: 0.5}\n"
        let plan = try SweepPlan(try Sweep.parse(text, source: "g.yaml"))
        #expect(plan.configurations.map { "\($0.hidden) \($0.clip)" } == ["4 0.5", "4 1.0", "4 1.5", "5 0.5", "5 1.0", "5 1.5", "6 0.5", "6 1.0", "6 1.5"])
        #expect(SweepPlan.trialCount(plan.sweep) == 9)
    }

    @Test("the sweeps in the repository load and plan (the next-steps study 192 trials); bptd-tuning is the paired TPE search the write-up asks for")
    func repositorySweeps() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var planned: [String: SweepPlan] = [:]
        for folder in ["sweeps", "sweeps/next-steps", "Benchmarks/search"] {
            let directory = root.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".yaml") {
                planned[file] = try SweepPlan(Sweep.load(path: directory.appendingPathComponent(file).path))
            }
        }
        #expect(planned.count == 13 && ["bptd-tuning.yaml", "lr-grid.yaml", "next-steps.yaml", "seed-experiment.yaml", "tpe-bptd.yaml"].allSatisfy { planned[$0] != nil })
        let study = planned.filter { $0.key.hasPrefix("next-steps") || $0.key.hasPrefix("echo-") || $0.key.hasPrefix("remember-first-") || $0.key.hasPrefix("adding-") }
        #expect(study.count == 9 && study.values.reduce(0) { $0 + SweepPlan.trialCount($1.sweep) } == 192)  // the next-steps study, as the README says
        let tuning = try #require(planned["bptd-tuning.yaml"])
        #expect(tuning.sweep.method == .bayes && tuning.sweep.gridOver == ["method"] && tuning.sweep.seeds == Array(0..<8))
        let searched = Set(tuning.sweep.parameters.filter { if case .distribution = $0.specification { true } else { false } }.map(\.name))
        #expect(searched == ["lr", "weight_decay", "beta1", "beta2"])
        let registry = PlanRegistry(tuning)
        var search = BayesSearch(tuning.sweep)
        #expect(search.next(registry) != nil)  // the first generation's draws, each as BPTT then BPTD
        let first = registry.plan.configurations.prefix(2)
        #expect(first.count == 2)
        #expect(first.map(\.method) == [.bptt, .bptd] && first.allSatisfy { $0.task == .echo && $0.hidden == 32 })
        #expect(first.first!.lr == first.last!.lr && first.first!.weightDecay == first.last!.weightDecay)
    }

    /// A search with every section that changes what it decides.
    static let searches = [
        "method: bayes\nsamples: 12\nsample_seed: 3\nseeds: [0, 1]\nmetric: {name: test_loss, aggregate: median, target: 0.5}\n"
            + "bayes: {startup: 4, generation: 2, candidates: 8}\ngrid_over: [method]\n"
            + "early_terminate: {type: hyperband, max_iter: 9, s: 2, eta: 2.5, strict: false, brackets: 1}\n"
            + "parameters:\n  epochs: {value: 9}\n  method: {values: [bptt, bptd]}\n  lr: {distribution: log_uniform_values, min: 0.001, max: 0.1}\n",
        "method: race\nrun_cap: 40\nseeds: {count: 6}\nrace: {first_test: 3, test: t-test, alpha: 0.1, iterations: 2}\n"
            + "parameters:\n  lr: {values: [0.001, 0.01, 0.1]}\n",
        "method: race\nsamples: 5\nseeds: {count: 5}\nparameters:\n  lr: {distribution: uniform, min: 0.001, max: 0.1}\n",
        "early_terminate: {type: hyperband, min_iter: 1}\nparameters:\n  epochs: {value: 9}\n  lr: {values: [0.001, 0.01, 0.1]}\n",
    ]

    @Test("the resolved sweep file reads back to the same sweep: plan, ids and every search setting")
    func resolvedRoundTrip() throws {
        for text in [Self.grid, Self.random] + Self.searches {
            let sweep = try Sweep.parse(text, source: "s")
            let plan = try SweepPlan(sweep)
            let yaml = ResolvedSweep.yaml(plan)
            let reread = try Sweep.parse(yaml, source: "sweep.yaml")
            let back = try SweepPlan(reread)
            #expect(back.trials == plan.trials && back.sweepID == plan.sweepID && back.studyID == plan.studyID, "\(yaml)")
            #expect(reread.earlyTerminate == sweep.earlyTerminate && reread.race == sweep.race && reread.bayes == sweep.bayes)
            #expect(reread.runCap == sweep.runCap && reread.samples == sweep.samples && reread.target == sweep.target)
            #expect(yaml.contains("sweep_id: \(plan.sweepID)"))
        }
    }

    @Test("changing what a search does with results is another study, said in the sweep file's words")
    func searchSettingChanges() throws {
        let cases: [(String, String, String, String)] = [
            (Self.searches[3], "min_iter: 1", "min_iter: 2",
             "early_terminate: {type: hyperband, min_iter: 1, eta: 3.0, strict: true} → {type: hyperband, min_iter: 2, eta: 3.0, strict: true}"),
            (Self.searches[3], "early_terminate: {type: hyperband, min_iter: 1}\n", "", "early_terminate: {type: hyperband, min_iter: 1, eta: 3.0, strict: true} → none"),
            (Self.searches[1], "alpha: 0.1", "alpha: 0.05", "race: {first_test: 3, test: t-test, alpha: 0.1, iterations: 2} → {first_test: 3, test: t-test, alpha: 0.05, iterations: 2}"),
            (Self.searches[0], "aggregate: median", "aggregate: mean", "metric: {name: test_loss, goal: minimize, aggregate: median, target: 0.5} → {name: test_loss, goal: minimize, aggregate: mean, target: 0.5}"),
        ]
        for (text, before, after, change) in cases {
            let old = try Sweep.parse(text, source: "a"), new = try Sweep.parse(text.replacingOccurrences(of: before, with: after), source: "b")
            #expect(new.changes(from: old) == [change])
        }
        // A grid that decides nothing on results is the same study whatever its metric.
        let grid = try Sweep.parse(Self.grid, source: "a")
        var other = grid
        other.metric = .trainLoss
        #expect(other.changes(from: grid).isEmpty)
    }

    @Test("a sweep over the trial limit is refused before expansion")
    func trialLimit() throws {
        let huge = "seeds: {count: 1000000}\nparameters:\n  hidden: {values: [1, 2, 3]}\n  lr: {values: [0.1, 0.2]}\n"
        let sweep = try Sweep.parse(huge, source: "huge.yaml")
        #expect(throws: SweepPlan.TooLarge(trials: 6_000_000, maximum: 1_000_000)) { try SweepPlan(sweep) }
        #expect(throws: SweepPlan.TooLarge(trials: 6_000_000, maximum: 10)) { try SweepPlan(sweep, maximumTrials: 10) }
    }

    // The next three read lists of hundreds of thousands of values: with duplicates checked by
    // Array.contains, reading 200,000 values took 139 s; now it takes a fraction of a second, and
    // the plan of 200,000 configurations a few. They assert no time: their place in the suite
    // keeps its running time honest.

    @Test("a list of 200,000 values is read and planned, and a duplicate far down it is still found")
    func longValueList() throws {
        let values = (1...200_000).map { "\($0)e-9" }
        let text = "parameters:\n  lr: {values: [\(values.joined(separator: ", "))]}\n"
        let sweep = try Sweep.parse(text, source: "long.yaml")
        #expect(SweepPlan.trialCount(sweep) == 200_000)
        #expect(throws: SweepPlan.TooLarge(trials: 200_000, maximum: 10)) { try SweepPlan(sweep, maximumTrials: 10) }
        let plan = try SweepPlan(sweep)
        #expect(plan.configurations.count == 200_000 && plan.trials.count == 200_000 && plan.duplicates == 0)
        #expect(plan.configurations.first?.lr == 1e-9 && plan.configurations.last?.lr == 2e-4)

        // The last value repeats the first: one problem, at the last index.
        let repeated = values.dropLast() + [values[0]]
        Self.expectProblems("parameters:\n  lr: {values: [\(repeated.joined(separator: ", "))]}\n", source: "long.yaml",
                            ["long.yaml:2: parameters.lr.values[199999]: duplicate value 1e-9"])
    }

    /// Expects `text` to be refused with exactly `problems`.
    static func expectProblems(_ text: String, source: String, _ problems: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try Sweep.parse(text, source: source)
            Issue.record("accepted: \(text.prefix(60))…", sourceLocation: sourceLocation)
        } catch let error as SweepProblems {
            #expect(error.problems.map(\.description) == problems, sourceLocation: sourceLocation)
        } catch {
            Issue.record(error, sourceLocation: sourceLocation)
        }
    }

    @Test("1,000,000 explicit seeds are read and counted, and refused by the trial limit before expansion")
    func longSeedList() throws {
        let seeds = (0..<1_000_000).map(String.init).joined(separator: ", ")
        let sweep = try Sweep.parse("seeds: [\(seeds)]\nparameters:\n  hidden: {values: [4, 8]}\n", source: "seeds.yaml")
        #expect(sweep.seeds.count == 1_000_000 && sweep.seeds.last == 999_999)
        #expect(SweepPlan.trialCount(sweep) == 2_000_000)
        #expect(throws: SweepPlan.TooLarge(trials: 2_000_000, maximum: 10)) { try SweepPlan(sweep, maximumTrials: 10) }
        Self.expectProblems("seeds: [\(seeds), 17]\n", source: "seeds.yaml", ["seeds.yaml:1: seeds[1000000]: duplicate seed 17"])
    }

    @Test("a study of 200,000 seeds grown by one is compared with itself seed by seed")
    func longSeedListGrowth() throws {
        let seeds = (0..<200_000).map(String.init).joined(separator: ", ")
        let old = try Sweep.parse("seeds: [\(seeds)]\n", source: "old.yaml")
        let grown = try Sweep.parse("seeds: [\(seeds), 200000]\n", source: "new.yaml")
        #expect(grown.changes(from: old).isEmpty && grown.growth(from: old) == "1 seed added")
        #expect(old.changes(from: grown) == ["seeds: 200000 removed (their results would be dropped)"])
    }

    @Test("a grid of a distribution is counted without listing its values, so the trial limit refuses 10^12 of them")
    func hugeGridOfDistribution() throws {
        let fine = try Sweep.parse("parameters:\n  lr: {distribution: q_uniform, min: 0.0001, max: 1, q: 1.0e-12}\n", source: "q.yaml")
        #expect(SweepPlan.trialCount(fine) > 999_000_000_000)
        #expect(throws: SweepPlan.TooLarge.self) { try SweepPlan(fine, maximumTrials: 10) }
        // More values than an Int holds (this trapped converting the count to Int).
        let wide = try Sweep.parse("parameters:\n  lr: {distribution: q_uniform, min: 0.0001, max: 1.0e300, q: 1.0e-12}\n", source: "q.yaml")
        #expect(throws: SweepPlan.TooLarge(trials: Int.max, maximum: 10)) { try SweepPlan(wide, maximumTrials: 10) }
        let integers = try Sweep.parse("parameters:\n  hidden: {distribution: int_uniform, min: 1, max: 65536}\n", source: "i.yaml")
        #expect(SweepPlan.trialCount(integers) == 65536)
    }

    static let malformed: [(String, String)] = [
        ("parameters:\n  lr: {values: [0.1, 0.2, -1]}\n", "s.yaml:2: parameters.lr.values[2]: must be > 0 (got -1)"),
        ("parameters:\n  hidden: {values: []}\n", "s.yaml:2: parameters.hidden.values: must not be empty"),
        ("parameters:\n  hidden: {values: [4, 4]}\n", "s.yaml:2: parameters.hidden.values[1]: duplicate value 4"),
        ("parameters:\n  hiden: {value: 4}\n", "s.yaml:2: parameters.hiden: unknown parameter (did you mean 'hidden'?)"),
        ("parameters:\n  seed: {value: 4}\n", "s.yaml:2: parameters.seed: seeds are given by the top-level seeds key"),
        ("parameters:\n  task: {value: parity}\n", "s.yaml:2: parameters.task.value: must be one of echo | remember-first | copy | adding (got 'parity')"),
        ("parameters:\n  hidden: 4\n", "s.yaml:2: parameters.hidden: expected a mapping, got a value"),
        ("parameters:\n  hidden: {vals: [4]}\n",
         "s.yaml:2: parameters.hidden.vals: unknown key (expected one of value, values, probabilities, distribution, min, max, mu, sigma, a, b, q)"),
        ("parameters:\n  hidden: {value: 4, values: [8]}\n", "parameters.hidden: value stands alone"),
        ("parameters:\n  lr: {distribution: log_uniform_values, min: 0.001, max: 0.01}\n", "parameters.lr: distributions need method: random"),
        ("method: random\nsamples: 3\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.1, max: 0.01}\n",
         "s.yaml:4: parameters.lr.max: must be > min (0.01 ≤ 0.1)"),
        ("method: random\nsamples: 3\nparameters:\n  lr: {distribution: gaussian, min: 0.1, max: 1}\n",
         "parameters.lr.distribution: must be one of constant, categorical, int_uniform, uniform, q_uniform, log_uniform, log_uniform_values, "
            + "q_log_uniform, q_log_uniform_values, inv_log_uniform, inv_log_uniform_values, normal, q_normal, log_normal, q_log_normal, beta, q_beta (got 'gaussian')"),
        ("method: random\nsamples: 3\nparameters:\n  hidden: {distribution: int_uniform, min: 0, max: 4}\n",
         "parameters.hidden.min: must be in 1 … 65536 (got 0)"),
        ("method: random\nsamples: 3\nparameters:\n  task: {distribution: uniform, min: 1, max: 2}\n",
         "parameters.task.min: must be one of echo | remember-first | copy | adding (got '1')"),
        ("method: random\nparameters:\n  hidden: {values: [4]}\n", "samples: random search needs samples"),
        ("samples: 3\nparameters:\n  hidden: {values: [4]}\n", "samples: only random and bayes searches draw samples (method is grid)"),
        ("method: annealing\n", "s.yaml:1: method: must be grid, random, bayes or race (got 'annealing')"),
        ("seeds: [0, 1, 1]\n", "s.yaml:1: seeds[2]: duplicate seed 1"),
        ("seeds: [0, -1]\n", "seeds[1]: must be an integer in 0 … 2^64 − 1 (got '-1')"),
        ("seeds: {count: 0}\n", "seeds.count: must be in 1 … 1000000 (got 0)"),
        ("seeds: {number: 3}\n", "seeds.number: unknown key (expected one of count)"),
        ("metric: {name: accuracy}\n", "metric.name: must be one of test_acc, test_loss, train_acc, train_loss (got 'accuracy')"),
        ("metric: {name: test_acc, goal: up}\n", "metric.goal: must be maximize or minimize (got 'up')"),
        ("programme: train.py\n",
         "s.yaml:1: programme: unknown key (expected one of name, description, method, samples, run_cap, sample_seed, seeds, metric, parameters, grid_over, bayes, early_terminate, race)"),
        ("- a\n- b\n", "s.yaml:1: expected a mapping with a parameters section"),
        ("parameters:\n  hidden: {values: [4, 8\n", "s.yaml: line 3"),
        ("parameters: [hidden]\n", "parameters: expected a mapping of parameter names, got a list"),
        ("", "s.yaml: the file is empty"),
        ("parameters:\n  seq_len: {value: 30}\n  bptt_t: {values: [10, 20]}\n",
         "the configuration seq_len = 30, bptt_t = 20 cannot run: seq_len: must be a multiple of bptt_t (30 is not a multiple of 20)"),
    ]

    @Test("malformed sweeps name the file, the line and the key path", arguments: malformed)
    func malformedSweeps(_ text: String, _ message: String) {
        do {
            let sweep = try Sweep.parse(text, source: "s.yaml")
            _ = try SweepPlan(sweep)
            Issue.record("accepted: \(text)")
        } catch {
            let description = String(describing: error)
            #expect(description.contains(message), "\(description)")
            #expect(!description.contains("\n"))
        }
    }

    /// Names that would put the default folder results/NAME elsewhere (".." is the working folder
    /// itself: its metrics.csv overwritten, its spool/ removed), break a terminal or sweep.yaml,
    /// or read as an option — each refused at the name's line, in one line that says what is allowed.
    static let badNames: [(String, String)] = [
        ("name: \"..\"\n", "it names the folder results/ itself or the one above"),
        ("name: .\n", "it names the folder results/ itself or the one above"),
        ("name: ../../x\n", "it holds a /"),
        ("name: /tmp/abs\n", "it holds a /"),
        ("name: a/b\n", "it holds a /"),
        ("name: 'a\\b'\n", "it holds a \\"),
        ("name: \"\"\n", "it is empty"),
        ("name: \"a\\e[2Jb\"\n", "it holds the control character \\x1b"),
        ("name: \"a\\rb\"\n", "it holds the control character \\x0d"),
        ("name: \"a\\nb\"\n", "it holds the control character \\x0a"),
        ("name: \"a\\tb\"\n", "it holds the control character \\x09"),
        ("name: \"a\\x7fb\"\n", "it holds the control character \\x7f"),
        ("name: \"a\\x9bb\"\n", "it holds the control character \\x9b"),
        ("name: \"a\\u202eb\"\n", "it holds the control character \\u{202e}"),
        ("name: -x\n", "it starts with '-'"),
        ("name: \(String(repeating: "é", count: 128))\n", "it has 256 bytes"),
    ]

    @Test("a sweep name that would leave results/, hold a control character or read as an option is refused", arguments: badNames)
    func refusedNames(_ text: String, _ reason: String) {
        do {
            _ = try Sweep.parse(text + "seeds: [0]\n", source: "s.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            let description = String(describing: error)
            #expect(description.hasPrefix("s.yaml:1: name: must name a folder inside results/: printable characters but / and \\, "
                                          + "at most 255 bytes, not starting with '-', not . or .. (got '"), "\(description)")
            #expect(description.hasSuffix(reason + ")"), "\(description)")
            #expect(!description.unicodeScalars.contains(where: PrintableText.isUnsafe), "\(description)")
        }
    }

    @Test("without a name the file's name stands in, and must make a folder name too")
    func defaultNames() throws {
        #expect(try Sweep.parse("seeds: [0]\n", source: "s.yaml", defaultName: "from-file").defaultFolder == "results/from-file")
        #expect(throws: SweepProblems.self) { try Sweep.parse("seeds: [0]\n", source: "s.yaml", defaultName: "-x") }
    }

    @Test("names with spaces, accents and symbols are fine, and read back from sweep.yaml as they were")
    func goodNames() throws {
        for name in ["seed experiment", "Überblick ✓ 2025", ".hidden-but-inside", "a..b", "x=1,y=2", "\"quoted\""] {
            let text = "name: '\(name.replacingOccurrences(of: "'", with: "''"))'\nseeds: [0]\nparameters:\n  hidden: {value: 4}\n"
            let plan = try SweepPlan(try Sweep.parse(text, source: "s.yaml"))
            #expect(plan.sweep.name == name && plan.sweep.defaultFolder == "results/" + name)
            #expect(try Sweep.parse(ResolvedSweep.yaml(plan), source: "sweep.yaml").name == name)
        }
    }

    /// A description holding control characters was written raw into sweep.yaml, whose reader
    /// then refused the folder ("control characters are not allowed").
    @Test("a description with control characters is written into sweep.yaml escaped and reads back the same")
    func descriptionRoundTrip() throws {
        let text = "description: \"line one\\nline two\\twith \\e[2J, \\x85, \\u2028 and \\x7f\"\nseeds: [0]\n"
        let plan = try SweepPlan(try Sweep.parse(text, source: "s.yaml"))
        #expect(plan.sweep.description == "line one\nline two\twith \u{1B}[2J, \u{85}, \u{2028} and \u{7F}")
        let resolved = ResolvedSweep.yaml(plan)
        #expect(!resolved.unicodeScalars.contains { PrintableText.isUnsafe($0) && $0 != "\n" })
        #expect(try Sweep.parse(resolved, source: "sweep.yaml").description == plan.sweep.description)
    }

    /// The name rule and the YAML reader's must agree: a name the rule lets through is written
    /// into sweep.yaml as it is and must read back there. Every Unicode scalar the rule calls
    /// safe goes raw into a YAML document, 2048 at a time.
    @Test("every character a sweep name may hold, the YAML reader takes raw")
    func nameRuleCoversYAML() throws {
        let safe = (0...UInt32(0x10FFFF)).lazy.compactMap(Unicode.Scalar.init).filter { !PrintableText.isUnsafe($0) && !"\"\\/".unicodeScalars.contains($0) }
        var chunk = String.UnicodeScalarView(), chunks = 0
        func check() throws {
            let name = String(chunk)
            #expect(try Sweep.parse("name: \"\(name)\"\nseeds: [0]\n", source: "s.yaml").name == name)
            chunk.removeAll()
            chunks += 1
        }
        for scalar in safe {
            chunk.append(scalar)
            if chunk.count == 60 { try check() }
        }
        if !chunk.isEmpty { try check() }
        #expect(chunks > 1000)
    }

    @Test("a sweep file that is not UTF-8 is refused, naming the file, the line and the byte")
    func notUTF8() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID()).yaml").path
        defer { try? FileSystem.remove(path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data("seeds: [0]\nname: caf".utf8 + [0xE9] + Data("\n".utf8))))
        #expect(throws: InputError(path + ":2", "not UTF-8 text (byte 0xE9 at offset 20); save the file as UTF-8")) { try Sweep.load(path: path) }
    }
}
