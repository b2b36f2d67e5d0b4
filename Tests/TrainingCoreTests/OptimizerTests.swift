import Foundation
import Testing
@testable import TrainingCore

/// Every optimizer against the update rules written out independently (the papers' and
/// PyTorch's documented formulas), step by step, including the first step worked out by hand.
@Suite struct OptimizerTests {
    static let start: [Double] = [0.5, -1.25, 2.0, 0.0]
    /// Three steps of gradients, with a sign change and a zero.
    static let gradients: [[Double]] = [[0.1, -0.2, 0.3, 0.0], [-0.05, -0.1, 0.4, 0.2], [0.2, 0.0, -0.1, 0.3]]

    /// Runs the optimizer over `gradients` from `start`; the parameters after each step.
    static func run<T: Scalar>(_ settings: OptimizerSettings, as _: T.Type) -> [[Double]] {
        let optimizer = Optimizer<T>(settings, count: start.count)
        var parameters = start.map { T($0) }
        return gradients.map { g in
            let gt = g.map { T($0) }
            parameters.withUnsafeMutableBufferPointer { p in
                gt.withUnsafeBufferPointer { optimizer.step(parameters: p.baseAddress!, gradients: $0.baseAddress!) }
            }
            return parameters.map { Double($0) }
        }
    }

    static func expectClose(_ a: [[Double]], _ b: [[Double]], _ tolerance: Double) {
        for (step, (x, y)) in zip(a, b).enumerated() {
            for (i, (u, v)) in zip(x, y).enumerated() {
                #expect(abs(u - v) <= tolerance * max(abs(v), 1), "step \(step + 1), parameter \(i): \(u) vs \(v)")
            }
        }
    }

    /// Adam as in Kingma & Ba, Algorithm 1, with PyTorch's ε placement; `decoupled` for AdamW.
    static func adamReference(lr: Double, beta1: Double, beta2: Double, eps: Double, decay: Double,
                              decoupled: Bool) -> [[Double]] {
        var theta = start, m = [Double](repeating: 0, count: 4), v = m
        var result: [[Double]] = []
        for (t, g0) in gradients.enumerated() {
            let t = Double(t + 1)
            for i in 0..<4 {
                var g = g0[i]
                if decoupled { theta[i] -= lr * decay * theta[i] } else { g += decay * theta[i] }
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                let mHat = m[i] / (1 - Foundation.pow(beta1, t)), vHat = v[i] / (1 - Foundation.pow(beta2, t))
                theta[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
            result.append(theta)
        }
        return result
    }

    @Test func adamFirstStepByHand() {
        // Step 1: m̂ = g, v̂ = g², so θ₁ = θ₀ − lr·g/(|g| + ε): a step of almost exactly lr against g.
        let after = Self.run(OptimizerSettings(kind: .adam, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8), as: Double.self)[0]
        #expect(abs(after[0] - (0.5 - 0.01 * 0.1 / (0.1 + 1e-8))) < 1e-15)
        #expect(abs(after[1] - (-1.25 + 0.01 * 0.2 / (0.2 + 1e-8))) < 1e-15)
        #expect(after[3] == 0)  // zero gradient, zero moments: no move
    }

    @Test func adam() {
        let settings = OptimizerSettings(kind: .adam, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8)
        let reference = Self.adamReference(lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, decay: 0, decoupled: false)
        Self.expectClose(Self.run(settings, as: Double.self), reference, 1e-14)
        Self.expectClose(Self.run(settings, as: Float.self), reference, 1e-6)
    }

    @Test func adamWithL2Penalty() {
        let settings = OptimizerSettings(kind: .adam, lr: 0.01, beta1: 0.8, beta2: 0.9, eps: 1e-6, weightDecay: 0.1)
        let reference = Self.adamReference(lr: 0.01, beta1: 0.8, beta2: 0.9, eps: 1e-6, decay: 0.1, decoupled: false)
        Self.expectClose(Self.run(settings, as: Double.self), reference, 1e-14)
    }

    @Test func adamWDecouplesWeightDecay() {
        // The seed experiment's settings; AdamW's default decay 0.01.
        let settings = OptimizerSettings(kind: .adamw, lr: 3e-4, beta1: 0.95, beta2: 0.95, eps: 1e-8)
        #expect(settings.weightDecay == 0.01)
        let reference = Self.adamReference(lr: 3e-4, beta1: 0.95, beta2: 0.95, eps: 1e-8, decay: 0.01, decoupled: true)
        Self.expectClose(Self.run(settings, as: Double.self), reference, 1e-14)
        // With a zero gradient only the decay moves the parameter: θ₁ = θ₀·(1 − lr·λ).
        let optimizer = Optimizer<Double>(OptimizerSettings(kind: .adamw, lr: 0.5, weightDecay: 0.2), count: 1)
        var theta = [2.0]
        let zero = [0.0]
        theta.withUnsafeMutableBufferPointer { optimizer.step(parameters: $0.baseAddress!, gradients: zero) }
        #expect(theta == [2.0 * (1 - 0.5 * 0.2)])
    }

    @Test func rmspropDefaults() {
        // PyTorch's defaults: alpha 0.99, eps 1e-8, no momentum, no decay.
        let settings = OptimizerSettings(kind: .rmsprop, lr: 0.01)
        #expect(settings.alpha == 0.99 && settings.eps == 1e-8 && settings.momentum == 0 && settings.weightDecay == 0)
        var theta = Self.start, square = [Double](repeating: 0, count: 4)
        var reference: [[Double]] = []
        for g in Self.gradients {
            for i in 0..<4 {
                square[i] = 0.99 * square[i] + 0.01 * g[i] * g[i]
                theta[i] -= 0.01 * g[i] / (square[i].squareRoot() + 1e-8)
            }
            reference.append(theta)
        }
        Self.expectClose(Self.run(settings, as: Double.self), reference, 1e-14)
        // Step 1 by hand: E[g²] = 0.01·g², so the step is lr·g/(0.1·|g| + ε) ≈ 10·lr·sign(g).
        #expect(abs(reference[0][0] - (0.5 - 0.01 * 0.1 / (0.1 * 0.1 + 1e-8))) < 1e-15)
    }

    @Test func rmspropWithMomentumAndDecay() {
        let settings = OptimizerSettings(kind: .rmsprop, lr: 0.01, eps: 1e-6, weightDecay: 0.05, momentum: 0.9, alpha: 0.9)
        var theta = Self.start, square = [Double](repeating: 0, count: 4), buffer = square
        var reference: [[Double]] = []
        for g0 in Self.gradients {
            for i in 0..<4 {
                let g = g0[i] + 0.05 * theta[i]
                square[i] = 0.9 * square[i] + 0.1 * g * g
                buffer[i] = 0.9 * buffer[i] + g / (square[i].squareRoot() + 1e-6)
                theta[i] -= 0.01 * buffer[i]
            }
            reference.append(theta)
        }
        Self.expectClose(Self.run(settings, as: Double.self), reference, 1e-14)
    }

    @Test func sgdWithMomentum() {
        let settings = OptimizerSettings(kind: .sgd, lr: 0.1, momentum: 0.9)
        // By hand: b₁ = g₁; b₂ = 0.9·g₁ + g₂; b₃ = 0.9·b₂ + g₃; θ ← θ − 0.1·b.
        let g = Self.gradients
        let b1 = g[0], b2 = zip(b1, g[1]).map { 0.9 * $0 + $1 }, b3 = zip(b2, g[2]).map { 0.9 * $0 + $1 }
        let t1 = zip(Self.start, b1).map { $0 - 0.1 * $1 }
        let t2 = zip(t1, b2).map { $0 - 0.1 * $1 }
        let t3 = zip(t2, b3).map { $0 - 0.1 * $1 }
        Self.expectClose(Self.run(settings, as: Double.self), [t1, t2, t3], 1e-15)
    }

    @Test func plainSGDWithDecay() {
        let settings = OptimizerSettings(kind: .sgd, lr: 0.1, weightDecay: 0.5)
        let first = zip(Self.start, Self.gradients[0]).map { $0 - 0.1 * ($1 + 0.5 * $0) }
        Self.expectClose([Self.run(settings, as: Double.self)[0]], [first], 1e-15)
    }

    @Test func clipping() {
        var g: [Double] = [3, -4, 0]  // norm 5
        g.withUnsafeMutableBufferPointer { #expect(Clipping.clipNorm($0.baseAddress!, count: 3, maxNorm: 1) == 5) }
        let coefficient = 1 / (5 + 1e-6)
        #expect(g == [3 * coefficient, -4 * coefficient, 0])
        var small: [Double] = [0.3, 0.4]  // norm 0.5 < 1: untouched
        small.withUnsafeMutableBufferPointer { _ = Clipping.clipNorm($0.baseAddress!, count: 2, maxNorm: 1) }
        #expect(small == [0.3, 0.4])
        var values: [Float] = [-2, 0.5, 3, -0.25]
        values.withUnsafeMutableBufferPointer { Clipping.clipValue($0.baseAddress!, count: 4, limit: 1) }
        #expect(values == [-1, 0.5, 1, -0.25])
    }

    // MARK: AMSGrad

    /// Gradients that shrink after a large first step, with β2 = 0.5: the second moment falls
    /// fast, so AMSGrad's running maximum and Adam's v part ways from step 2 on.
    static let shrinking: [[Double]] = [[1.0, -2.0, 0.5, 0.0], [0.1, -0.1, 0.05, 0.3], [0.02, 0.05, -0.01, 0.01],
                                        [0.01, -0.02, 0.01, 0.02], [0.3, 0.0, 0.02, -0.01]]

    /// `torch.optim.Adam(amsgrad=True)` written out: max_exp_avg_sq = max(max_exp_avg_sq,
    /// exp_avg_sq); denom = √max_exp_avg_sq / √(1 − β2^t) + ε; θ ← θ − lr/(1 − β1^t) · m / denom.
    static func amsgradReference(lr: Double, beta1: Double, beta2: Double, eps: Double, decay: Double, decoupled: Bool,
                                 gradients: [[Double]]) -> [[Double]] {
        var theta = start, m = [Double](repeating: 0, count: 4), v = m, vMax = m
        var result: [[Double]] = []
        for (t, g0) in gradients.enumerated() {
            let t = Double(t + 1)
            for i in 0..<4 {
                var g = g0[i]
                if decoupled { theta[i] *= 1 - lr * decay } else { g += decay * theta[i] }
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                vMax[i] = Swift.max(vMax[i], v[i])
                let denominator = vMax[i].squareRoot() / (1 - Foundation.pow(beta2, t)).squareRoot() + eps
                theta[i] -= lr / (1 - Foundation.pow(beta1, t)) * m[i] / denominator
            }
            result.append(theta)
        }
        return result
    }

    static func run<T: Scalar>(_ settings: OptimizerSettings, _ gradients: [[Double]], as _: T.Type) -> [[Double]] {
        let optimizer = Optimizer<T>(settings, count: start.count)
        var parameters = start.map { T($0) }
        return gradients.map { g in
            let gt = g.map { T($0) }
            parameters.withUnsafeMutableBufferPointer { p in
                gt.withUnsafeBufferPointer { optimizer.step(parameters: p.baseAddress!, gradients: $0.baseAddress!) }
            }
            return parameters.map { Double($0) }
        }
    }

    @Test("AMSGrad follows torch.optim.Adam(amsgrad=True) over steps where the maximum matters", arguments: [false, true])
    func amsgrad(decoupled: Bool) {
        let settings = OptimizerSettings(kind: decoupled ? .adamw : .adam, lr: 0.01, beta1: 0.9, beta2: 0.5, eps: 1e-8,
                                         weightDecay: 0.05, amsgrad: true)
        let reference = Self.amsgradReference(lr: 0.01, beta1: 0.9, beta2: 0.5, eps: 1e-8, decay: 0.05, decoupled: decoupled,
                                              gradients: Self.shrinking)
        Self.expectClose(Self.run(settings, Self.shrinking, as: Double.self), reference, 1e-14)
        Self.expectClose(Self.run(settings, Self.shrinking, as: Float.self), reference, 2e-6)
        // The maximum matters: plain Adam moves elsewhere from step 2 on, by far more than rounding.
        var plain = settings
        plain.amsgrad = false
        let adam = Self.run(plain, Self.shrinking, as: Double.self)
        #expect(adam[0] == Self.run(settings, Self.shrinking, as: Double.self)[0])
        for step in 1..<Self.shrinking.count { #expect(relativeDifference(adam[step], reference[step]) > 1e-3, "step \(step + 1)") }
    }

    // MARK: Normalised SGD

    /// nsgd written out: d = g/‖g‖_p (0 for g = 0), d ← d + λθ, b ← μ·b + d, θ ← θ − lr·b.
    static func nsgdReference(p: NormP, lr: Double, momentum: Double, decay: Double, gradients: [[Double]]) -> [[Double]] {
        var theta = start, buffer = [Double](repeating: 0, count: 4)
        var result: [[Double]] = []
        for g in gradients {
            let norm: Double
            switch p {
            case .one: norm = g.map { abs($0) }.reduce(0, +)
            case .two: norm = g.map { $0 * $0 }.reduce(0, +).squareRoot()
            case .infinity: norm = g.map { abs($0) }.max()!
            }
            for i in 0..<4 {
                let d = (norm > 0 ? g[i] / norm : 0) + decay * theta[i]
                buffer[i] = momentum * buffer[i] + d
                theta[i] -= lr * buffer[i]
            }
            result.append(theta)
        }
        return result
    }

    @Test("nsgd divides by the group's L_p norm, then steps as SGD with momentum and decay", arguments: NormP.allCases)
    func normalisedSGD(_ p: NormP) {
        let history = Self.gradients + [[0, 0, 0, 0]]  // a zero gradient: only momentum and decay move θ
        let settings = OptimizerSettings(kind: .nsgd, lr: 0.1, weightDecay: 0.02, momentum: 0.9, normP: p)
        #expect(OptimizerSettings(kind: .nsgd, lr: 0.1).weightDecay == 0)
        let reference = Self.nsgdReference(p: p, lr: 0.1, momentum: 0.9, decay: 0.02, gradients: history)
        Self.expectClose(Self.run(settings, history, as: Double.self), reference, 1e-14)
        Self.expectClose(Self.run(settings, history, as: Float.self), reference, 1e-6)
        // Step 1 by hand, no momentum history: θ₁ = θ₀ − lr·(g/‖g‖_p + λθ₀). g₁ = (0.1, −0.2, 0.3, 0):
        // ‖g‖₁ = 0.6, ‖g‖₂ = √0.14, ‖g‖_∞ = 0.3.
        let norm = [NormP.one: 0.6, .two: 0.14.squareRoot(), .infinity: 0.3][p]!
        #expect(abs(reference[0][2] - (2.0 - 0.1 * (0.3 / norm + 0.02 * 2.0))) < 1e-15)
        // Scale-free: the same direction at ten times the size gives the same steps (no decay).
        let plain = OptimizerSettings(kind: .nsgd, lr: 0.1, momentum: 0.9, normP: p)
        Self.expectClose(Self.run(plain, Self.gradients.map { $0.map { 10 * $0 } }, as: Double.self),
                         Self.run(plain, Self.gradients, as: Double.self), 1e-15)
    }

    // MARK: Weighted steps (lag_weighting)

    static let weighted: [OptimizerSettings] = [
        OptimizerSettings(kind: .adam, lr: 0.01, weightDecay: 0.1),
        OptimizerSettings(kind: .adamw, lr: 0.01, weightDecay: 0.1),
        OptimizerSettings(kind: .adamw, lr: 0.01, weightDecay: 0.1, amsgrad: true),
        OptimizerSettings(kind: .rmsprop, lr: 0.01, weightDecay: 0.1, momentum: 0.5),
        OptimizerSettings(kind: .sgd, lr: 0.1, weightDecay: 0.1, momentum: 0.9),
        OptimizerSettings(kind: .nsgd, lr: 0.1, weightDecay: 0.1, momentum: 0.9, normP: .infinity),
    ]

    @Test("a step weighted by w moves θ by w·Δθ, leaves the state as unweighted, and w = 1 is the unweighted step bit for bit",
          arguments: weighted)
    func weightedStep(_ settings: OptimizerSettings) {
        // Two optimizers see the same history; before the last step, θ is reset alike, and
        // the last step is weighted by 0.3 in one of them.
        let a = Optimizer<Double>(settings, count: 4), b = Optimizer<Double>(settings, count: 4), c = Optimizer<Double>(settings, count: 4)
        var pa = Self.start, pb = Self.start, pc = Self.start
        for (index, g) in Self.gradients.enumerated() {
            let last = index == Self.gradients.count - 1
            if last { pb = pa; pc = pa }
            let before = pa
            pa.withUnsafeMutableBufferPointer { a.step(parameters: $0.baseAddress!, gradients: g) }
            pb.withUnsafeMutableBufferPointer { b.step(parameters: $0.baseAddress!, gradients: g, weight: last ? 0.3 : 1) }
            pc.withUnsafeMutableBufferPointer { c.step(parameters: $0.baseAddress!, gradients: g, weight: 1) }
            #expect(pc == pa)
            if last {
                for i in 0..<4 { #expect(abs((pb[i] - before[i]) - 0.3 * (pa[i] - before[i])) <= 1e-15 * max(1, abs(pa[i]))) }
            }
        }
        #expect(a.firstMoment.array == b.firstMoment.array && a.secondMoment.array == b.secondMoment.array)
        #expect(a.maximumSecondMoment.array == b.maximumSecondMoment.array && a.steps == b.steps)
    }

    @Test("Adam in two halves (the snr weighting's) is the one-pass step bit for bit at w = 1, and its statistic is mean min(1, |m̂|/(√v̂ + ε))",
          arguments: [OptimizerSettings(kind: .adamw, lr: 0.01, beta1: 0.8, beta2: 0.9),
                      OptimizerSettings(kind: .adam, lr: 0.01, beta1: 0.9, beta2: 0.5, weightDecay: 0.1, amsgrad: true),
                      OptimizerSettings(kind: .adamw, lr: 0.01, beta1: 0.9, beta2: 0.5, amsgrad: true)])
    func adamInTwoHalves(_ settings: OptimizerSettings) {
        do {
            func check<T: Scalar>(_: T.Type) {
                // 11 parameters: one whole vector and a partial one, for both scalar types.
                let n = 11
                let whole = Optimizer<T>(settings, count: n), halves = Optimizer<T>(settings, count: n)
                var p = (0..<n).map { T(0.1 * Double($0) - 0.4) }, q = p
                var m = [Double](repeating: 0, count: n), v = m
                for step in 1...5 {
                    let g = (0..<n).map { T(Double(($0 * 7 + step * 3) % 11) / 10 - 0.5) * (step == 1 ? 4 : 1) }
                    // The reference statistic, from moments of the gradient the optimizer sees.
                    let seen = (0..<n).map { Double(g[$0]) + (settings.kind == .adam ? settings.weightDecay * Double(q[$0]) : 0) }
                    p.withUnsafeMutableBufferPointer { whole.step(parameters: $0.baseAddress!, gradients: g) }
                    let ratio = q.withUnsafeMutableBufferPointer { halves.updateAdamMoments(parameters: $0.baseAddress!, gradients: g) }
                    q.withUnsafeMutableBufferPointer { halves.applyAdamUpdate(parameters: $0.baseAddress!, weight: 1) }
                    #expect(p == q, "\(T.self) step \(step)")
                    #expect(whole.firstMoment.array == halves.firstMoment.array && whole.secondMoment.array == halves.secondMoment.array)
                    #expect(whole.maximumSecondMoment.array == halves.maximumSecondMoment.array)
                    var expected = 0.0
                    for i in 0..<n {
                        m[i] = settings.beta1 * m[i] + (1 - settings.beta1) * seen[i]
                        v[i] = settings.beta2 * v[i] + (1 - settings.beta2) * seen[i] * seen[i]
                        let mHat = m[i] / (1 - Foundation.pow(settings.beta1, Double(step)))
                        let vHat = v[i] / (1 - Foundation.pow(settings.beta2, Double(step)))
                        expected += Swift.min(1, abs(mHat) / (vHat.squareRoot() + settings.eps))
                    }
                    expected /= Double(n)
                    #expect(abs(ratio - expected) <= (T.self == Double.self ? 1e-13 : 1e-5), "\(T.self) step \(step): \(ratio) vs \(expected)")
                    #expect(ratio >= 0 && ratio <= 1)
                }
            }
            check(Float.self)
            check(Double.self)
        }
    }

    @Test("rescale: to norm clip on every step, smaller or larger; a zero gradient stays zero")
    func rescale() {
        var large: [Double] = [3, -4, 0]  // norm 5
        large.withUnsafeMutableBufferPointer { #expect(Clipping.rescale($0.baseAddress!, count: 3, toNorm: 1) == 5) }
        #expect(large == [3 * 0.2, -4 * 0.2, 0])
        var small: [Double] = [0.3, 0.4]  // norm 0.5: doubled, where clip_mode norm leaves it
        small.withUnsafeMutableBufferPointer { _ = Clipping.rescale($0.baseAddress!, count: 2, toNorm: 1) }
        #expect(small == [0.3 * 2, 0.4 * 2])
        var float: [Float] = [1e-3, 2e-3, -2e-3]  // norm 3e-3
        float.withUnsafeMutableBufferPointer { _ = Clipping.rescale($0.baseAddress!, count: 3, toNorm: 2) }
        #expect(abs(float.map { Double($0) * Double($0) }.reduce(0, +).squareRoot() - 2) < 1e-6)
        var zero: [Double] = [0, 0]
        zero.withUnsafeMutableBufferPointer { #expect(Clipping.rescale($0.baseAddress!, count: 2, toNorm: 1) == 0) }
        #expect(zero == [0, 0])
    }
}

extension OptimizerSettings: CustomTestStringConvertible {
    public var testDescription: String {
        "\(kind.rawValue)\(amsgrad ? " amsgrad" : "")\(kind == .nsgd ? " p=\(normP.rawValue)" : "")"
    }
}
