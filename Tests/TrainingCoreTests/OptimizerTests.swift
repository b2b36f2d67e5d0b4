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
}
