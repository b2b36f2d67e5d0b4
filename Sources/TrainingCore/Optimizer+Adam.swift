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
        let eps = T(s.eps), decay = T(s.weightDecay), shrink = T(1 - s.lr * s.weightDecay)
        let m = firstMoment.base, v = secondMoment.base
        for i in 0..<count {
            var gi = g[i]
            if decoupled {
                p[i] *= shrink  // AdamW: θ ← θ·(1 − lr·λ), before the Adam step
            } else if s.weightDecay != 0 {
                gi += decay * p[i]  // Adam: L2 term g ← g + λθ
            }
            m[i] += beta1Weight * (gi - m[i])  // m ← lerp(m, g, 1 − β1)
            v[i] = v[i] * beta2 + oneMinusBeta2 * gi * gi  // v ← β2·v + (1 − β2)·g²
            let denominator = v[i].squareRoot() / correction2Root + eps  // √v / √(1 − β2^t) + ε
            p[i] -= stepSize * (m[i] / denominator)  // θ ← θ − lr/(1 − β1^t) · m / denominator
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
