import Foundation
import Testing
@testable import TrainingCore

@Suite struct ConfigurationTests {
    @Test("the defaults are the seed experiment's")
    func defaults() throws {
        let c = TrialConfig().resolved
        #expect(c.task == .echo && c.method == .bptt && c.layers == 1 && c.hidden == 20 && c.nonlinearity == .tanh)
        #expect(c.optimizer == .adamw && c.lr == 3e-4 && c.beta1 == 0.95 && c.beta2 == 0.95 && c.eps == 1e-8)
        #expect(c.weightDecay == 0.01 && c.clip == 1 && c.clipMode == .norm)
        #expect(c.batch == 50 && c.seqLen == 2000 && c.bpttT == 20 && c.echo == 3 && c.epochs == 5)
        #expect(c.data == .fresh && c.precision == .f32)
        // The next steps' options default to today's behaviour.
        #expect(!c.amsgrad && c.normP == .two && c.lagWeighting == .none && c.lagWeightBeta == 0.95)
        #expect(c.maxLag == nil && c.lagTail == .drop && c.gradientGroups == 1 && c.delay == 100)
        #expect(try TrialConfig.with(["method": "bptd"]).gradientGroups == 20)
        #expect(try TrialConfig.with(["method": "bptd", "max_lag": "5"]).gradientGroups == 6)
    }

    @Test("defaults that depend on other parameters")
    func contextDependentDefaults() throws {
        #expect(try TrialConfig.with(["optimizer": "adam"]).resolved.weightDecay == 0)
        #expect(try TrialConfig.with(["optimizer": "sgd"]).resolved.weightDecay == 0)
        #expect(try TrialConfig.with(["optimizer": "adam", "weight_decay": "0.1"]).resolved.weightDecay == 0.1)
        #expect(try TrialConfig.with(["task": "remember-first"]).resolved.batch == 64)
        #expect(try TrialConfig.with(["task": "remember-first", "batch": "32"]).resolved.batch == 32)
        // copy: seq_len follows the delay unless given.
        #expect(try TrialConfig.with(["task": "copy"]).resolved.seqLen == 120)
        #expect(try TrialConfig.with(["task": "copy", "delay": "30"]).resolved.seqLen == 50)
        #expect(try TrialConfig.with(["task": "adding"]).resolved.seqLen == 2000)
        #expect(try TrialConfig.with(["task": "copy", "delay": "30"]).resolved.batch == 64)
    }

    @Test("settings of an option that is off are inert, not errors (as echo is for remember-first)")
    func inertSettings() throws {
        for changes in [["norm_p": "inf"], ["lag_tail": "merge"], ["lag_weight_beta": "0.5"], ["delay": "7"],
                        ["method": "bptd", "lag_tail": "merge"], ["optimizer": "sgd", "amsgrad": "false"]] {
            #expect(throws: Never.self) { try TrialConfig.with(changes).validate() }
        }
        #expect(throws: Never.self) { try TrialConfig.with(["task": "copy", "delay": "30", "bptt_t": "10"]).validate() }
        #expect(try TrialConfig.with(["amsgrad": "true"]).amsgrad)
        let decoded = try JSONDecoder().decode(TrialConfig.self, from: Data(#"{"amsgrad": true, "max_lag": 3, "norm_p": "inf"}"#.utf8))
        #expect(decoded.amsgrad && decoded.maxLag == 3 && decoded.normP == .infinity)
    }

    @Test("every parameter is listed once, and settable from its canonical text")
    func parameterTable() throws {
        let names = TrialConfig.parameterNames
        #expect(Set(names).count == names.count && names.count == 35)
        #expect(TrialConfig().parameterValues.map(\.name) == names)
        var config = TrialConfig()
        for (name, value) in try TrialConfig.with(["hidden": "7", "lr": "0.25", "task": "remember-first", "max_lag": "4",
                                                   "amsgrad": "true"]).parameterValues {
            try config.set(name, to: value.description)
        }
        #expect(config.hidden == 7 && config.lr == 0.25 && config.task == .rememberFirst && config.batch == 64)
        #expect(config.maxLag == 4 && config.amsgrad && config.seqLen == 2000)
        try config.set("max_lag", to: TrialConfig().value(of: "max_lag")!.description)
        #expect(config.maxLag == nil)
    }

    @Test("the canonical form sorts keys and fills defaults, with or without the seed")
    func canonicalJSON() throws {
        let a = try TrialConfig.with(["hidden": "32", "seed": "3"]).canonicalJSON()
        let b = try TrialConfig.with(["seed": "3", "hidden": "32.0", "weight_decay": "0.01", "batch": "50"]).canonicalJSON()
        #expect(a == b)
        #expect(a.hasPrefix("{\"alpha\":0.99,\"amsgrad\":\"false\",\"batch\":50,\"beta1\":0.95,"))
        #expect(a.contains("\"max_lag\":\"none\"") && a.contains("\"norm_p\":\"2\"") && a.contains("\"seq_len\":2000"))
        #expect(a.contains("\"seed\":3") && a.contains("\"task\":\"echo\""))
        #expect(!(try TrialConfig.with(["seed": "3"]).canonicalJSON(includingSeed: false).contains("seed")))
        let parsed = try JSONSerialization.jsonObject(with: Data(a.utf8)) as! [String: Any]
        #expect(parsed.count == 35)
    }

    @Test("the canonical form cut around the seed gives the canonical form of every seed, and without it")
    func canonicalJSONParts() throws {
        for config in [TrialConfig(), try TrialConfig.with(["hidden": "32", "method": "bptd", "seed": "5", "task": "copy", "seq_len": "120"])] {
            let (unseeded, before, after) = config.canonicalJSONParts()
            #expect(unseeded == config.canonicalJSON(includingSeed: false))
            #expect(before.hasSuffix(",\"seed\":") && after.hasPrefix(",\"seq_len\":"))
            for seed: UInt64 in [0, 7, 1234567, .max] {
                var seeded = config
                seeded.seed = seed
                #expect(before + String(seed) + after == seeded.canonicalJSON())
            }
        }
    }

    @Test("Codable round trip through JSON")
    func codable() throws {
        let config = try TrialConfig.with(["method": "bptd", "lr": "0.001", "seed": "18446744073709551615", "layers": "2"])
        let data = try JSONEncoder().encode(config)
        let decoded = try JSONDecoder().decode(TrialConfig.self, from: data)
        #expect(decoded == config.resolved)
        #expect(throws: ConfigurationError("hiden", "unknown parameter (did you mean 'hidden'?)")) {
            try JSONDecoder().decode(TrialConfig.self, from: Data(#"{"hiden": 3}"#.utf8))
        }
    }

    static let bad: [([String: String], String)] = [
        (["seq_len": "2001"], "seq_len: must be a multiple of bptt_t (2001 is not a multiple of 20)"),
        (["bptt_t": "30"], "seq_len: must be a multiple of bptt_t (2000 is not a multiple of 30)"),
        (["hidden": "0"], "hidden: must be in 1 … 65536 (got 0)"),
        (["hidden": "4.5"], "hidden: must be an integer (got '4.5')"),
        (["hidden": "many"], "hidden: must be an integer (got 'many')"),
        (["layers": "3"], "layers: must be in 1 … 2 (got 3)"),
        (["lr": "0"], "lr: must be > 0 (got 0)"),
        (["lr": "-1e-3"], "lr: must be > 0 (got -1e-3)"),
        (["lr": "nan"], "lr: must be a finite number (got 'nan')"),
        (["lr": ""], "lr: must be a finite number (got '')"),
        (["beta1": "1"], "beta1: must be in [0, 1) (got 1)"),
        (["beta2": "-0.1"], "beta2: must be in [0, 1) (got -0.1)"),
        (["eps": "-1e-8"], "eps: must be ≥ 0 (got -1e-8)"),
        (["weight_decay": "-0.01"], "weight_decay: must be ≥ 0 (got -0.01)"),
        (["momentum": "1"], "momentum: must be in [0, 1) (got 1)"),
        (["alpha": "1.5"], "alpha: must be in [0, 1] (got 1.5)"),
        (["clip": "-1"], "clip: must be ≥ 0 (0 turns clipping off) (got -1)"),
        (["echo": "2000"], "echo: must be less than seq_len (2000 ≥ 2000)"),
        (["echo": "-1"], "echo: must be in 0 … 1000000000 (got -1)"),
        (["task": "parity"], "task: must be one of echo | remember-first | copy | adding (got 'parity')"),
        (["method": "rtrl"], "method: must be one of bptt | bptd (got 'rtrl')"),
        (["nonlinearity": "sigmoid"], "nonlinearity: must be one of tanh | relu (got 'sigmoid')"),
        (["optimizer": "adagrad"], "optimizer: must be one of adam | adamw | rmsprop | sgd | nsgd (got 'adagrad')"),
        (["clip_mode": "l2"], "clip_mode: must be one of norm | value | rescale (got 'l2')"),
        (["amsgrad": "yes"], "amsgrad: must be one of false | true (got 'yes')"),
        (["optimizer": "sgd", "amsgrad": "true"], "amsgrad: applies to adam and adamw only (optimizer is sgd)"),
        (["optimizer": "rmsprop", "amsgrad": "true"], "amsgrad: applies to adam and adamw only (optimizer is rmsprop)"),
        (["optimizer": "nsgd", "amsgrad": "true"], "amsgrad: applies to adam and adamw only (optimizer is nsgd)"),
        (["norm_p": "3"], "norm_p: must be one of 1 | 2 | inf (got '3')"),
        (["lag_weighting": "entropy"], "lag_weighting: must be one of none | cosine | snr (got 'entropy')"),
        (["lag_weighting": "cosine"], "lag_weighting: applies to bptd only: it weights the lag groups (method is bptt)"),
        (["lag_weighting": "snr", "method": "bptt"], "lag_weighting: applies to bptd only: it weights the lag groups (method is bptt)"),
        (["lag_weight_beta": "1"], "lag_weight_beta: must be in [0, 1) (got 1)"),
        (["max_lag": "-1"], "max_lag: must be in 0 … 100000 (got -1)"),
        (["max_lag": "all"], "max_lag: must be none or an integer (got 'all')"),
        (["method": "bptd", "max_lag": "20"], "max_lag: must be less than bptt_t (20 ≥ 20); none keeps every lag"),
        (["method": "bptd", "max_lag": "25", "bptt_t": "10"], "max_lag: must be less than bptt_t (25 ≥ 10); none keeps every lag"),
        (["max_lag": "3"], "max_lag: applies to bptd only: it cuts the lag groups (method is bptt)"),
        (["lag_tail": "keep"], "lag_tail: must be one of drop | merge (got 'keep')"),
        (["task": "copy", "seq_len": "2000"], "delay: copy needs seq_len = delay + 20 (10 symbols, the delay, 10 outputs): delay 100 needs seq_len 120, not 2000"),
        (["task": "copy", "delay": "50", "seq_len": "80"], "delay: copy needs seq_len = delay + 20 (10 symbols, the delay, 10 outputs): delay 50 needs seq_len 70, not 80"),
        (["task": "copy", "delay": "30"], "seq_len: must be a multiple of bptt_t (50 is not a multiple of 20)"),
        (["delay": "0"], "delay: must be in 1 … 1000000000 (got 0)"),
        (["task": "copy", "batch": "50"], "train_size: must be a multiple of batch (512 is not a multiple of 50)"),
        (["task": "adding", "seq_len": "1", "bptt_t": "1"], "seq_len: adding needs at least 2 steps, one marker in each half (got 1)"),
        (["data": "random"], "data: must be one of fresh | fixed (got 'random')"),
        (["loss_at": "first"], "loss_at: must be one of every | last (got 'first')"),
        (["precision": "f16"], "precision: must be one of f32 | f64 (got 'f16')"),
        (["classes": "1"], "classes: must be in 2 … 4096 (got 1)"),
        (["batch": "0"], "batch: must be in 1 … 1000000 (got 0)"),
        (["epochs": "-1"], "epochs: must be in 0 … 1000000 (got -1)"),
        (["metrics_every": "0"], "metrics_every: must be in 1 … 1000000000 (got 0)"),
        (["seed": "-1"], "seed: must be an integer in 0 … 2^64 − 1 (got '-1')"),
        (["task": "remember-first", "batch": "50"], "train_size: must be a multiple of batch (512 is not a multiple of 50)"),
        (["hidden": "65536", "batch": "1000"], "hidden: this trial needs about 121.0 GiB for its buffers (hidden × batch × bptt_t too large; limit 8 GiB)"),
        (["bogus": "1"], "bogus: unknown parameter (known: \(TrialConfig.parameterNames.joined(separator: ", ")))"),
        (["hiden": "4"], "hiden: unknown parameter (did you mean 'hidden'?)"),
    ]

    @Test("impossible configurations are refused with the parameter and the reason", arguments: bad)
    func validation(_ changes: [String: String], _ message: String) {
        #expect(throws: (any Error).self) { try TrialConfig.with(changes).validate() }
        do {
            try TrialConfig.with(changes).validate()
        } catch {
            #expect(String(describing: error) == message)
        }
        #expect(throws: (any Error).self) { try Trial(try TrialConfig.with(changes)) }
    }
}
