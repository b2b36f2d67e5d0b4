import Foundation
import Testing
@testable import TrainingCore

/// BPTD's lag weighting: the weights against their definitions, written out independently (as
/// explicit weighted sums rather than the recursions the core uses), and the training loop with
/// the weights forced against plain BPTD.
@Suite struct LagWeightTests {
    /// A hand-made history of two groups' gradients over five windows: group 0 keeps its
    /// direction, group 1 flips back and forth (its cosines are −1, so its weight is 0).
    static let history: [[[Double]]] = [
        [[1, 2, 0], [1, -1, 0.5]],
        [[1.1, 1.8, 0.1], [-1, 1, -0.5]],
        [[0.9, 2.2, -0.1], [1, -1, 0.5]],
        [[0.2, 0.5, 3], [-2, 2, -1]],
        [[1, 2, 0], [1, -1, 0.5]],
    ]

    static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        let dot = zip(a, b).map(*).reduce(0, +)
        return dot / (a.map { $0 * $0 }.reduce(0, +) * b.map { $0 * $0 }.reduce(0, +)).squareRoot()
    }

    @Test("cosine: w is 1 on the first window, then the bias-corrected average of the group's consecutive cosines, within [0, 1]")
    func cosineWeights() throws {
        let beta = 0.8
        let config = try TrialConfig.with(["method": "bptd", "lag_weighting": "cosine", "lag_weight_beta": "\(beta)"])
        let weights = LagWeights<Double>(config, groups: 2, stride: 3)
        var first: [Double] = []  // group 0's weights
        for t in Self.history.indices {
            defer { first.append(weights.weights[0]) }
            for group in 0..<2 {
                weights.observe(group: group, cosine: t == 0 ? nil : Self.cosine(Self.history[t][group], Self.history[t - 1][group]))
                // Σ_{s=1…t} (1 − β) β^{t−s} c_s / (1 − β^t), the cosines c_1 … c_t of windows 2 … t+1.
                let expected: Double
                if t == 0 {
                    expected = 1
                } else {
                    var sum = 0.0
                    for s in 1...t {
                        sum += (1 - beta) * Foundation.pow(beta, Double(t - s)) * Self.cosine(Self.history[s][group], Self.history[s - 1][group])
                    }
                    expected = Swift.min(1, Swift.max(0, sum / (1 - Foundation.pow(beta, Double(t)))))
                }
                #expect(abs(weights.weights[group] - expected) <= 1e-15, "window \(t + 1), group \(group)")
            }
        }
        #expect(weights.weights[1] == 0)  // always pointing back: no trust
        // Group 0 is trusted while its direction holds, less after it turns (window 4).
        #expect(first[0] == 1 && first[2] > 0.95 && first[4] > 0 && first[4] < 0.6)
    }

    @Test("snr for non-Adam optimizers: the mean of min(1, |m̂|/(√v̂ + ε)) from bias-corrected averages of g and g²")
    func snrWeightsFromKeptAverages() throws {
        let beta = 0.7, eps = 1e-3
        let config = try TrialConfig.with(["method": "bptd", "optimizer": "sgd", "lag_weighting": "snr",
                                           "lag_weight_beta": "\(beta)", "eps": "\(eps)"])
        let weights = LagWeights<Double>(config, groups: 2, stride: 3)
        for t in Self.history.indices {
            for group in 0..<2 {
                // The optimizers of lags ≥ 1 cover a prefix of the parameters: group 1 counts 2 here.
                let count = group == 0 ? 3 : 2
                Self.history[t][group].withUnsafeBufferPointer { weights.observe(group: group, gradient: $0.baseAddress!, count: count) }
                var expected = 0.0
                let correction = 1 - Foundation.pow(beta, Double(t + 1))
                for i in 0..<count {
                    var m = 0.0, v = 0.0
                    for s in 0...t {
                        let g = Self.history[s][group][i], w = (1 - beta) * Foundation.pow(beta, Double(t - s))
                        m += w * g
                        v += w * g * g
                    }
                    expected += Swift.min(1, abs(m / correction) / ((v / correction).squareRoot() + eps))
                }
                expected /= Double(count)
                #expect(abs(weights.weights[group] - expected) <= 1e-14, "window \(t + 1), group \(group)")
            }
        }
        // The first window: |g|/(|g| + ε) per parameter, 0 for the zero entry.
        let first = LagWeights<Double>(config, groups: 1, stride: 3)
        Self.history[0][0].withUnsafeBufferPointer { first.observe(group: 0, gradient: $0.baseAddress!, count: 3) }
        #expect(abs(first.weights[0] - (1 / (1 + eps) + 2 / (2 + eps)) / 3) < 1e-15)
    }

    /// A short BPTD echo trial, as `TrainerTests.small`.
    static func small(_ changes: [String: String]) throws -> TrialConfig {
        try TrialConfig.with(["method": "bptd", "seq_len": "100", "bptt_t": "10", "hidden": "8", "batch": "6", "epochs": "2",
                              "metrics_every": "1"].merging(changes) { $1 }).resolved
    }

    static func trained<T: Scalar>(_ config: TrialConfig, _: T.Type, forcedWeight: Double? = nil) -> [T] {
        let trainer = Trainer<T, EchoTask>(config: config, task: EchoTask(config))
        trainer.lagWeights.forcedWeight = forcedWeight
        _ = try! trainer.run(shouldStop: { false }) { _ in }
        return trainer.network.parameters.array
    }

    static let optimizers: [[String: String]] = [
        ["optimizer": "adamw"], ["optimizer": "adam", "amsgrad": "true", "weight_decay": "0.01"],
        ["optimizer": "rmsprop", "momentum": "0.5"], ["optimizer": "nsgd", "lr": "0.01", "momentum": "0.9", "norm_p": "1"],
        ["optimizer": "adamw", "max_lag": "4", "lag_tail": "merge", "clip_mode": "rescale"],
    ]

    @Test("with every weight forced to 1, the weighted training loop is plain BPTD bit for bit (f32 and f64)", arguments: optimizers)
    func forcedToOneIsPlainBPTD(_ changes: [String: String]) throws {
        let plain = try Self.small(changes)
        for weighting in ["cosine", "snr"] {
            let weighted = try Self.small(changes.merging(["lag_weighting": weighting]) { $1 })
            #expect(Self.trained(weighted, Float.self, forcedWeight: 1) == Self.trained(plain, Float.self), "\(weighting)")
            #expect(Self.trained(weighted, Double.self, forcedWeight: 1) == Self.trained(plain, Double.self), "\(weighting)")
            // And the weights are applied: forced to 0, nothing moves (AdamW's decay included).
            let start = Trainer<Double, EchoTask>(config: weighted, task: EchoTask(weighted)).network.parameters.array
            #expect(Self.trained(weighted, Double.self, forcedWeight: 0) == start, "\(weighting)")
            // Unforced, the weighting changes the training.
            #expect(Self.trained(weighted, Double.self) != Self.trained(plain, Double.self), "\(weighting)")
        }
    }

    @Test("the lag_weight stream (cosine) is the definition applied to the grad_cos stream, per lag, every window")
    func cosineWeightsFromTheMetricStream() throws {
        let config = try Self.small(["lag_weighting": "cosine", "lag_weight_beta": "0.9", "precision": "f64"])
        let (records, _) = try records(config)
        for lag in 0..<10 {
            let cosines = records.filter { $0.metric == .gradCosine && $0.lag == lag }.map(\.value)
            let weights = records.filter { $0.metric == .lagWeight && $0.lag == lag }.map(\.value)
            #expect(weights.count == 20 && cosines.count == 19)
            #expect(weights[0] == 1)
            var average = 0.0
            for (n, c) in cosines.enumerated() {
                average = 0.9 * average + 0.1 * c
                let expected = Swift.min(1, Swift.max(0, average / (1 - Foundation.pow(0.9, Double(n + 1)))))
                #expect(abs(weights[n + 1] - expected) <= 1e-12, "lag \(lag), window \(n + 2)")
            }
        }
    }

    @Test("snr weights stream per lag, in [0, 1], about 1 on the first window (m̂ = g, v̂ = g²)")
    func snrWeightsStream() throws {
        let (records, _) = try records(try Self.small(["lag_weighting": "snr", "max_lag": "5"]))
        let weights = records.filter { $0.metric == .lagWeight }
        #expect(Set(weights.compactMap(\.lag)) == Set(0...5) && weights.allSatisfy { $0.value >= 0 && $0.value <= 1 })
        #expect(weights.filter { $0.step == 1 }.allSatisfy { $0.value > 0.99 })
        // The signal fades as the moments average over windows.
        #expect(weights.filter { $0.step == 20 }.allSatisfy { $0.value < 0.9 })
    }
}
