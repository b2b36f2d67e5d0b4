import AllocationCounter
import Testing
@testable import TrainingCore

@Suite struct TrainerTests {
    /// A short echo trial: 10 windows of 10 steps per epoch.
    static func small(_ changes: [String: String] = [:]) throws -> TrialConfig {
        try TrialConfig.with(["seq_len": "100", "bptt_t": "10", "hidden": "8", "batch": "6", "epochs": "2",
                              "metrics_every": "1"].merging(changes) { $1 })
    }

    /// The records without their timing.
    static func withoutTiming(_ records: [MetricRecord]) -> [MetricRecord] {
        records.filter { $0.metric != .wallSeconds }
    }

    @Test("the same configuration and seed give identical metric streams; another seed differs",
          arguments: [["method": "bptt"], ["method": "bptd"], ["method": "bptd", "precision": "f64", "layers": "2"],
                      ["task": "remember-first", "seq_len": "6", "bptt_t": "3", "train_size": "12", "test_size": "5",
                       "batch": "4", "classes": "3", "optimizer": "rmsprop", "momentum": "0.5"],
                      ["method": "bptd", "lag_weighting": "snr", "amsgrad": "true", "max_lag": "4", "lag_tail": "merge"],
                      ["method": "bptd", "lag_weighting": "cosine", "optimizer": "nsgd", "lr": "0.01", "max_lag": "2"],
                      ["task": "copy", "delay": "5", "seq_len": "25", "bptt_t": "5", "train_size": "12", "test_size": "5", "batch": "4",
                       "clip_mode": "rescale"],
                      ["task": "adding", "seq_len": "12", "bptt_t": "6", "train_size": "12", "test_size": "5", "batch": "4",
                       "method": "bptd", "precision": "f64"]])
    func determinism(_ changes: [String: String]) throws {
        let config = try Self.small(changes)
        let first = Self.withoutTiming(try records(config).records)
        let second = Self.withoutTiming(try records(config).records)
        #expect(first.count > 20)
        #expect(first == second)
        var other = config
        other.seed = 1
        #expect(Self.withoutTiming(try records(other).records) != first)
    }

    @Test("f32 and f64 trials start from the same rounded weights")
    func precisionsShareInitialisation() throws {
        let shape = NetworkShape(inputs: 1, hidden: 5, layers: 2, outputs: 1, nonlinearity: .tanh)
        let single = ElmanNetwork<Float>(shape: shape), double = ElmanNetwork<Double>(shape: shape)
        single.initialize(seed: 3)
        double.initialize(seed: 3)
        #expect(single.parameters.array == double.parameters.array.map { Float($0) })
        // PyTorch's bound 1/√H.
        #expect(double.parameters.array.allSatisfy { abs($0) <= 1 / 5.0.squareRoot() })
    }

    @Test("BPTT with the seed experiment's settings and 32 hidden units solves echo by epoch 5", arguments: [0, 1, 2])
    func echoLearns(seed: Int) throws {
        let config = try TrialConfig.with(["hidden": "32", "seed": "\(seed)"])
        let outcome = try Trial(config).run { _ in }
        #expect(outcome.status == .completed && outcome.epochsCompleted == 5)
        #expect(outcome.testAccuracy! >= 0.99)
    }

    @Test("remember-first over 10 steps with 32 hidden units and Adam (lr 0.005) learns")
    func rememberFirstLearns() throws {
        let config = try TrialConfig.with(["task": "remember-first", "seq_len": "10", "bptt_t": "10", "hidden": "32",
                                           "optimizer": "adam", "lr": "0.005", "beta1": "0.9", "beta2": "0.999",
                                           "data": "fixed", "epochs": "100"])
        let outcome = try Trial(config).run { _ in }
        #expect(outcome.testAccuracy! >= 0.95)
    }

    @Test("a non-finite loss ends the trial as diverged, with its step")
    func divergence() throws {
        let config = try Self.small(["nonlinearity": "relu", "optimizer": "sgd", "lr": "1e6", "clip": "0"])
        let (records, outcome) = try records(config)
        #expect(outcome.status == .diverged)
        let step = try #require(outcome.divergedStep)
        #expect(step >= 1 && step <= 20)
        #expect(records.allSatisfy { ($0.step ?? 0) < step })
    }

    @Test("shouldStop cancels the trial after the current window")
    func cancellation() throws {
        var windows = 0
        let outcome = try Trial(try Self.small()).run(shouldStop: { windows += 1; return windows == 3 }) { _ in }
        #expect(outcome.status == .cancelled && outcome.steps == 3)
    }

    @Test("the per-window and per-epoch metrics of BPTD")
    func bptdMetrics() throws {
        let (records, _) = try records(try Self.small(["method": "bptd"]))
        let steps = 10
        func values(_ metric: Metric, step: Int?, epoch: Int = 1) -> [Int?: Double] {
            Dictionary(records.filter { $0.metric == metric && $0.step == step && $0.epoch == epoch }.map { ($0.lag, $0.value) },
                       uniquingKeysWith: { a, _ in a })
        }
        // Gradient norms: overall and every lag; cosines from the second window on.
        let norms = values(.gradNorm, step: 5)
        #expect(Set(norms.keys) == Set([nil] + (0..<steps).map { Optional($0) }))
        #expect(values(.gradCosine, step: 1).isEmpty)
        let cosines = values(.gradCosine, step: 5)
        #expect(cosines.count == steps && cosines.values.allSatisfy { $0 >= -1 && $0 <= 1 })
        // Moments of W_hh, one per lag's optimizer, all different.
        let moments = values(.weightHHFirstMomentNorm, step: 5)
        #expect(moments.count == steps && Set(moments.values).count == steps)
        #expect(values(.weightHHSecondMomentNorm, step: 5).count == steps)
        // W_hh norms: σ_max ≤ ‖W‖_F ≤ √H σ_max.
        let frobenius = values(.weightHHNorm, step: 5)[nil]!, sigma = values(.weightHHSigmaMax, step: 5)[nil]!
        #expect(sigma <= frobenius && frobenius <= 8.0.squareRoot() * sigma)
        // Per epoch: the losses, accuracies, time and a probe value for every step of the window.
        for metric in [Metric.trainLoss, .trainAccuracy, .testLoss, .testAccuracy, .wallSeconds] {
            #expect(values(metric, step: nil).count == 1, "\(metric)")
        }
        let probe = values(.stateGradientNorm, step: nil)
        #expect(Set(probe.keys) == Set((0..<steps).map { Optional($0) }) && probe.values.allSatisfy { $0 > 0 })
    }

    @Test("the probe and the overall gradient norm agree between BPTT and BPTD in f64")
    func bpttAndBptdAgreeOnTheFirstWindow() throws {
        // Same weights and data in the first window, so its overall gradient and the probe's total
        // ∂L/∂h_t must agree to rounding. Stop after one window.
        let bptt = try records(try Self.small(["precision": "f64", "seq_len": "10", "epochs": "1"])).records
        let bptd = try records(try Self.small(["precision": "f64", "seq_len": "10", "epochs": "1", "method": "bptd"])).records
        func value(_ records: [MetricRecord], _ metric: Metric, step: Int?, lag: Int?) -> Double {
            records.first { $0.metric == metric && $0.step == step && $0.lag == lag }!.value
        }
        let a = value(bptt, .gradNorm, step: 1, lag: nil), b = value(bptd, .gradNorm, step: 1, lag: nil)
        #expect(abs(a - b) <= 1e-12 * a)
        for lag in 0..<10 {
            let p = value(bptt, .stateGradientNorm, step: nil, lag: lag), q = value(bptd, .stateGradientNorm, step: nil, lag: lag)
            #expect(abs(p - q) <= 1e-12 * p)
        }
    }

    @Test("BPTD steps one optimizer per lag, in lag order, each on its clipped group")
    func oneOptimizerPerLag() throws {
        // One window of 4 steps, in f64. Recompute the update independently: the lag groups from
        // the window problem, then for Δ = 0 … 3 clip group Δ to norm 0.05 and apply Adam to the
        // parameters (no read-out for Δ ≥ 1).
        let config = try Self.small(["method": "bptd", "precision": "f64", "seq_len": "4", "bptt_t": "4", "epochs": "1", "clip": "0.05",
                                     "optimizer": "adam", "beta1": "0.9", "beta2": "0.99"]).resolved
        let trainer = Trainer<Double, EchoTask>(config: config, task: EchoTask(config))
        let start = trainer.network.parameters.array
        trainer.task.prepareTraining(epoch: 1)
        _ = trainer.task.fillTrainingWindow(trainer.window, batch: 0, window: 0)
        let x = trainer.window.input.array, y = trainer.window.targets.array  // column t·L + b
        let b = config.batchSize, lanes = trainer.window.lanes
        let problem = WindowProblem<Double>(
            shape: trainer.network.shape, lossKind: .binaryCrossEntropy, batch: b, steps: 4, parameters: start,
            initialStates: [[Double](repeating: 0, count: b * 8)],
            inputs: (0..<b).flatMap { j in (0..<4).map { x[$0 * lanes + j] } },
            targets: (0..<b).flatMap { j in (0..<4).map { y[$0 * lanes + j] } })
        let groups = problem.gradients().bptd
        var theta = start
        let recurrent = trainer.network.layout.recurrentCount
        for (lag, group) in groups.enumerated() {
            let count = lag == 0 ? theta.count : recurrent
            let norm = group[0..<count].reduce(0) { $0 + $1 * $1 }.squareRoot()
            let scale = min(1, 0.05 / (norm + 1e-6))
            for i in 0..<count {
                // Adam's first step: m̂ = g, v̂ = g², θ ← θ − lr·g/(|g| + ε).
                let g = group[i] * scale
                theta[i] -= 3e-4 * g / (abs(g) + 1e-8)
            }
        }
        let outcome = try trainer.run(shouldStop: { true }) { _ in }
        #expect(outcome.steps == 1)
        #expect(relativeDifference(trainer.network.parameters.array, theta) <= 1e-12)
        #expect(trainer.optimizers.count == 4 && trainer.optimizers.allSatisfy { $0.steps == 1 })
    }

    /// Every option of the training loop, for the allocation test.
    static let everyOption: [[String: String]] = [
        ["method": "bptt"], ["method": "bptd"],
        ["method": "bptd", "amsgrad": "true", "lag_weighting": "snr"],
        ["method": "bptd", "optimizer": "adam", "lag_weighting": "cosine", "max_lag": "3", "lag_tail": "merge"],
        ["method": "bptd", "optimizer": "nsgd", "norm_p": "inf", "momentum": "0.9", "lag_weighting": "snr", "max_lag": "3"],
        ["method": "bptd", "optimizer": "rmsprop", "clip_mode": "rescale", "precision": "f64", "layers": "2"],
        ["method": "bptt", "optimizer": "nsgd", "norm_p": "1", "clip_mode": "value"],
        ["task": "copy", "delay": "10", "seq_len": "30", "bptt_t": "10", "method": "bptd"],
        ["task": "adding", "seq_len": "30", "bptt_t": "10", "method": "bptd", "lag_weighting": "cosine"],
        ["task": "remember-first", "seq_len": "10", "bptt_t": "5"],
    ]

    @Test("the training loop allocates nothing per window, with every option", arguments: everyOption)
    func noAllocationPerWindow(_ changes: [String: String]) throws {
        // The same trial with 10 and with 40 windows per epoch makes the same number of
        // allocations if, and only if, no window allocates. Echo has longer streams; the
        // sequence tasks more sequences (and test sequences alike, so their setup is the same).
        let longer = changes["task"] == nil ? ["seq_len": "400"] : ["train_size": "256"]
        let shorter = changes["task"] == nil ? ["seq_len": "100"] : ["train_size": "64"]
        var counts: [UInt64] = []
        for size in [shorter, shorter, longer] {  // the first run pays the runtime's one-time costs
            let base = ["epochs": "1", "metrics_every": "3", "batch": "8", "test_size": "16"]
            let trial = try Trial(try Self.small(base.merging(changes) { $1 }.merging(size) { $1 }))
            var seen = 0
            let before = depthfarm_thread_allocations()
            _ = trial.run { _ in seen += 1 }
            counts.append(depthfarm_thread_allocations() - before)
            #expect(seen > 0)
        }
        #expect(counts[1] == counts[2], "\(counts[1]) allocations with the shorter epoch, \(counts[2]) with the longer")
    }
}
