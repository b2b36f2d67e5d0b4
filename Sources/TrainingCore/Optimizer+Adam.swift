extension Optimizer {
    /// Adam (Kingma & Ba, https://arxiv.org/abs/1412.6980) and AdamW (Loshchilov & Hutter,
    /// https://arxiv.org/abs/1711.05101), as `torch.optim.Adam`/`AdamW` (single-tensor path).
    @inline(__always)
    func adamStep(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>) {
        let s = settings
        let decoupled = s.kind == .adamw
        // Bias corrections in Double, as PyTorch computes them in Python.
        let correction1 = 1 - power(s.beta1, steps)
        let correction2 = 1 - power(s.beta2, steps)
        let stepSize = T(s.lr / correction1)
        let correction2Root = T(correction2.squareRoot())
        let beta1Weight = T(1 - s.beta1), beta2 = T(s.beta2), oneMinusBeta2 = T(1 - s.beta2)
        // AdamW shrinks θ (decoupled decay), Adam adds λθ to g (L2 term); the other factor is an
        // exact no-op (×1, +0·θ), which keeps the update free of branches.
        let shrink = T.Vector(repeating: decoupled ? T(1 - s.lr * s.weightDecay) : 1)
        let coupled = T.Vector(repeating: decoupled ? 0 : T(s.weightDecay))
        let step = T.Vector(repeating: stepSize), root = T.Vector(repeating: correction2Root)
        let b1 = T.Vector(repeating: beta1Weight), b2 = T.Vector(repeating: beta2), b2c = T.Vector(repeating: oneMinusBeta2)
        let eps = T.Vector(repeating: T(s.eps))
        Kernels.update(count, p, g, firstMoment.base, secondMoment.base) { p, g, m, v in
            p *= shrink  // AdamW: θ ← θ·(1 − lr·λ), before the Adam step
            let g = g + coupled * p  // Adam: g ← g + λθ
            m += b1 * (g - m)  // m ← lerp(m, g, 1 − β1)
            v = v * b2 + b2c * g * g  // v ← β2·v + (1 − β2)·g²
            let denominator = v.squareRoot() / root + eps  // √v / √(1 − β2^t) + ε
            p -= step * (m / denominator)  // θ ← θ − lr/(1 − β1^t) · m / denominator
        }
    }
}

/// x^n for a step count, by repeated squaring in Double.
@usableFromInline
func power(_ x: Double, _ n: Int) -> Double {
    var result = 1.0, base = x, e = n
    while e > 0 {
        if e & 1 == 1 { result *= base }
        base *= base
        e >>= 1
    }
    return result
}
