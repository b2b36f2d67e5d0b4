import Foundation
@testable import TrainingCore

// The C library's functions under names that cannot be confused with the core's own.
func Foundation_tanh(_ x: Double) -> Double { Foundation.tanh(x) }
func Foundation_exp(_ x: Double) -> Double { Foundation.exp(x) }
func Foundation_log(_ x: Double) -> Double { Foundation.log(x) }
func Foundation_log1p(_ x: Double) -> Double { Foundation.log1p(x) }

/// A random window problem in Double: weights scaled so that the network is neither saturated
/// nor linear, a non-zero initial state, random inputs and targets.
func randomProblem(layers: Int, nonlinearity: Nonlinearity, loss: LossKind, batch: Int = 3, steps: Int = 5,
                   hidden: Int = 4, inputs: Int = 2, outputs: Int = 3, lossSteps: ClosedRange<Int>? = nil,
                   seed: UInt64 = 7) -> WindowProblem<Double> {
    var random = RandomStream(seed: seed, purpose: .initialization)
    let shape = NetworkShape(inputs: inputs, hidden: hidden, layers: layers, outputs: outputs, nonlinearity: nonlinearity)
    let layout = ParameterLayout(shape)
    let parameters = (0..<layout.count).map { _ in random.nextUniform(-0.8, 0.8) }
    // relu: keep the initial states positive so units are active.
    let low = nonlinearity == .relu ? 0.1 : -0.9
    let states = (0..<layers).map { _ in (0..<batch * hidden).map { _ in random.nextUniform(low, 0.9) } }
    let x = (0..<batch * steps * inputs).map { _ in random.nextUniform(-1, 1) }
    let y: [Double]
    switch loss {
    case .binaryCrossEntropy: y = (0..<batch * steps * outputs).map { _ in Double(random.nextBelow(2)) }
    case .softmaxCrossEntropy: y = (0..<batch * steps).map { _ in Double(random.nextBelow(outputs)) }
    case .meanSquaredError: y = (0..<batch * steps * outputs).map { _ in random.nextUniform(-1, 2) }
    }
    return WindowProblem(shape: shape, lossKind: loss, batch: batch, steps: steps, lossSteps: lossSteps,
                         parameters: parameters, initialStates: states, inputs: x, targets: y)
}

/// max_i |a_i − b_i| / max(|a|_∞, |b|_∞): the error relative to the vectors' scale.
func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    let scale = max(a.map(abs).max() ?? 0, b.map(abs).max() ?? 0)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    return scale > 0 ? worst / scale : worst
}

/// Runs a trial and collects its records.
func records(_ config: TrialConfig) throws -> (records: [MetricRecord], outcome: TrialOutcome) {
    var collected: [MetricRecord] = []
    let outcome = try Trial(config).run { collected.append($0) }
    return (collected, outcome)
}

extension TrialConfig {
    /// The default configuration with `changes` applied by parameter name.
    static func with(_ changes: [String: String]) throws -> TrialConfig {
        var config = TrialConfig()
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) { try config.set(name, to: value) }
        return config
    }
}
