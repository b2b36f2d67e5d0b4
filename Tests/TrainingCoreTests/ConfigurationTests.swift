import Foundation
import Testing
@testable import TrainingCore

@Suite struct ConfigurationTests {
    @Test("the defaults are the seed experiment's")
    func defaults() {
        let c = TrialConfig().resolved
        #expect(c.task == .echo && c.method == .bptt && c.layers == 1 && c.hidden == 20 && c.nonlinearity == .tanh)
        #expect(c.optimizer == .adamw && c.lr == 3e-4 && c.beta1 == 0.95 && c.beta2 == 0.95 && c.eps == 1e-8)
        #expect(c.weightDecay == 0.01 && c.clip == 1 && c.clipMode == .norm)
        #expect(c.batch == 50 && c.seqLen == 2000 && c.bpttT == 20 && c.echo == 3 && c.epochs == 5)
        #expect(c.data == .fresh && c.precision == .f32)
    }

    @Test("defaults that depend on other parameters")
    func contextDependentDefaults() throws {
        #expect(try TrialConfig.with(["optimizer": "adam"]).resolved.weightDecay == 0)
        #expect(try TrialConfig.with(["optimizer": "sgd"]).resolved.weightDecay == 0)
        #expect(try TrialConfig.with(["optimizer": "adam", "weight_decay": "0.1"]).resolved.weightDecay == 0.1)
        #expect(try TrialConfig.with(["task": "remember-first"]).resolved.batch == 64)
        #expect(try TrialConfig.with(["task": "remember-first", "batch": "32"]).resolved.batch == 32)
    }

    @Test("every parameter is listed once, and settable from its canonical text")
    func parameterTable() throws {
        let names = TrialConfig.parameterNames
        #expect(Set(names).count == names.count && names.count == 28)
        #expect(TrialConfig().parameterValues.map(\.name) == names)
        var config = TrialConfig()
        for (name, value) in try TrialConfig.with(["hidden": "7", "lr": "0.25", "task": "remember-first"]).parameterValues {
            try config.set(name, to: value.description)
        }
        #expect(config.hidden == 7 && config.lr == 0.25 && config.task == .rememberFirst && config.batch == 64)
    }

    @Test("the canonical form sorts keys and fills defaults, with or without the seed")
    func canonicalJSON() throws {
        let a = try TrialConfig.with(["hidden": "32", "seed": "3"]).canonicalJSON()
        let b = try TrialConfig.with(["seed": "3", "hidden": "32.0", "weight_decay": "0.01", "batch": "50"]).canonicalJSON()
        #expect(a == b)
        #expect(a.hasPrefix("{\"alpha\":0.99,\"batch\":50,\"beta1\":0.95,"))
        #expect(a.contains("\"seed\":3") && a.contains("\"task\":\"echo\""))
        #expect(!(try TrialConfig.with(["seed": "3"]).canonicalJSON(includingSeed: false).contains("seed")))
        let parsed = try JSONSerialization.jsonObject(with: Data(a.utf8)) as! [String: Any]
        #expect(parsed.count == 28)
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
        (["task": "copy"], "task: must be one of echo | remember-first (got 'copy')"),
        (["method": "rtrl"], "method: must be one of bptt | bptd (got 'rtrl')"),
        (["nonlinearity": "sigmoid"], "nonlinearity: must be one of tanh | relu (got 'sigmoid')"),
        (["optimizer": "adagrad"], "optimizer: must be one of adam | adamw | rmsprop | sgd (got 'adagrad')"),
        (["clip_mode": "l2"], "clip_mode: must be one of norm | value (got 'l2')"),
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
