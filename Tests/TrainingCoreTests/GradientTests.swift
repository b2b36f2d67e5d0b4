import Testing
@testable import TrainingCore

/// The gradient engines against finite differences, against each other (Σ_Δ G[Δ] = BPTT) and
/// against a naive per-(t0, k) implementation, in Float64.
@Suite struct GradientTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let layers: Int
        let nonlinearity: Nonlinearity
        let loss: LossKind
        /// nil: a loss term at every step (echo); otherwise at the last step only.
        let lastOnly: Bool
        static let names: [LossKind: String] = [.binaryCrossEntropy: "bce", .softmaxCrossEntropy: "softmax", .meanSquaredError: "mse"]
        var testDescription: String {
            "\(layers) layer(s), \(nonlinearity), \(Self.names[loss]!)\(lastOnly ? " at the last step" : " at every step")"
        }
    }

    static let cases: [Case] = [1, 2].flatMap { layers in
        Nonlinearity.allCases.flatMap { nonlinearity in
            // Every task's loss where it uses it: echo (bce, every step or the last), remember-first
            // (softmax, last), copy (softmax, every), adding (mse, last); and mse at every step.
            [Case(layers: layers, nonlinearity: nonlinearity, loss: .binaryCrossEntropy, lastOnly: false),
             Case(layers: layers, nonlinearity: nonlinearity, loss: .binaryCrossEntropy, lastOnly: true),
             Case(layers: layers, nonlinearity: nonlinearity, loss: .softmaxCrossEntropy, lastOnly: true),
             Case(layers: layers, nonlinearity: nonlinearity, loss: .softmaxCrossEntropy, lastOnly: false),
             Case(layers: layers, nonlinearity: nonlinearity, loss: .meanSquaredError, lastOnly: true),
             Case(layers: layers, nonlinearity: nonlinearity, loss: .meanSquaredError, lastOnly: false)]
        }
    }

    static func problem(_ c: Case) -> WindowProblem<Double> {
        randomProblem(layers: c.layers, nonlinearity: c.nonlinearity, loss: c.loss, steps: 5, lossSteps: c.lastOnly ? 5...5 : nil)
    }

    @Test("BPTT matches central finite differences of every parameter", arguments: cases)
    func finiteDifferences(_ c: Case) {
        var problem = Self.problem(c)
        let analytic = problem.gradients().bptt
        // The five-point stencil, f′ ≈ (8(f(x+h) − f(x−h)) − (f(x+2h) − f(x−2h))) / 12h, errs by
        // O(h⁴): with h = 1e-3 both truncation and rounding stay near 1e-13.
        let h = 1e-3
        for tensor in problem.layout.tensors {
            let slice = Array(analytic[tensor.offset..<(tensor.offset + tensor.count)])
            let scale = slice.map(abs).max()!
            for i in tensor.offset..<(tensor.offset + tensor.count) {
                let original = problem.parameters[i]
                func loss(at offset: Double) -> Double {
                    problem.parameters[i] = original + offset
                    defer { problem.parameters[i] = original }
                    return problem.loss()
                }
                let numeric = (8 * (loss(at: h) - loss(at: -h)) - (loss(at: 2 * h) - loss(at: -2 * h))) / (12 * h)
                // Relative error, with a floor at 1e-3 of the tensor's scale for entries that are zero
                // or nearly so (there the difference is all rounding noise).
                let error = abs(numeric - analytic[i]) / max(abs(numeric), abs(analytic[i]), 1e-3 * scale)
                #expect(error <= 1e-6, "\(tensor.name)[\(i - tensor.offset)]: analytic \(analytic[i]), numeric \(numeric)")
            }
        }
    }

    @Test("the lag groups sum to the BPTT gradient", arguments: cases)
    func lagGroupsSumToBPTT(_ c: Case) {
        let result = Self.problem(c).gradients()
        var sum = [Double](repeating: 0, count: result.bptt.count)
        for group in result.bptd { for i in sum.indices { sum[i] += group[i] } }
        #expect(relativeDifference(sum, result.bptt) <= 1e-12)
    }

    @Test("the fast lag recursion equals the naive per-(t0, k) computation", arguments: cases)
    func fastEqualsNaive(_ c: Case) {
        let problem = Self.problem(c)
        let fast = problem.gradients().bptd
        let naive = ReferenceRNN(problem).naiveLagGroups(problem)
        for lag in 0..<problem.steps {
            #expect(relativeDifference(fast[lag], naive[lag]) <= 1e-12, "lag \(lag)")
        }
    }

    @Test("the core's loss equals an independent forward pass", arguments: cases)
    func lossMatchesReference(_ c: Case) {
        let problem = Self.problem(c)
        let reference = ReferenceRNN(problem).loss(problem)
        #expect(abs(problem.loss() - reference) <= 1e-13 * abs(reference))
    }

    @Test("the read-out appears only at lag 0")
    func readoutOnlyAtLagZero() {
        let problem = randomProblem(layers: 1, nonlinearity: .tanh, loss: .binaryCrossEntropy)
        let groups = problem.gradients().bptd
        let layout = problem.layout
        let readout = layout.recurrentCount..<layout.count
        #expect(groups[0][readout].contains { $0 != 0 })
        for lag in 1..<problem.steps { #expect(groups[lag][readout].allSatisfy { $0 == 0 }) }
    }

    @Test("max_lag with merge: the kept groups, the last holding the tail, still sum to BPTT; the groups before are today's",
          arguments: cases)
    func mergedTailSumsToBPTT(_ c: Case) {
        let problem = Self.problem(c)
        let full = problem.gradients()
        for kept in 1...problem.steps {
            let groups = problem.lagGroups(count: kept, tail: .merge)
            #expect(groups.count == kept)
            var sum = [Double](repeating: 0, count: full.bptt.count)
            for group in groups { for i in sum.indices { sum[i] += group[i] } }
            #expect(relativeDifference(sum, full.bptt) <= 1e-12, "max_lag \(kept - 1)")
            // Lags before the last kept one are computed exactly as without max_lag.
            for lag in 0..<(kept - 1) { #expect(groups[lag] == full.bptd[lag], "max_lag \(kept - 1), lag \(lag)") }
            // The last kept group is G[K−1] + Σ_{Δ≥K} G[Δ].
            var tail = full.bptd[kept - 1]
            for lag in kept..<problem.steps { for i in tail.indices { tail[i] += full.bptd[lag][i] } }
            #expect(relativeDifference(groups[kept - 1], tail) <= 1e-12, "max_lag \(kept - 1)")
        }
    }

    @Test("max_lag with drop: exactly the first groups, so their sum is the truncated sum", arguments: cases)
    func droppedTailIsTheTruncatedSum(_ c: Case) {
        let problem = Self.problem(c)
        let full = problem.gradients().bptd
        for kept in 1...problem.steps {
            let groups = problem.lagGroups(count: kept, tail: .drop)
            #expect(groups == Array(full[0..<kept]), "max_lag \(kept - 1)")
        }
    }
}
