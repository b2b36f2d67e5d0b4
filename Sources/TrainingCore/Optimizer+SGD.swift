extension Optimizer {
    /// Stochastic gradient descent with momentum (Polyak's heavy ball as formulated by
    /// Sutskever et al., http://proceedings.mlr.press/v28/sutskever13.html), as `torch.optim.SGD`
    /// with `dampening=0`, `nesterov=False`, on the gradient times `scale` (1 for sgd; nsgd's
    /// 1/‖g‖_p). With `weight` w the parameters move by w·Δθ (see `Optimizer`).
    @inline(__always)
    func sgdStep(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, scale: T, weight: Double) {
        let s = settings
        let lr = T(weight * s.lr), decay = T(s.weightDecay), momentum = T(s.momentum)
        let buffer = firstMoment.base
        for i in 0..<count {
            var gi = g[i] * scale  // nsgd: d ← g/‖g‖_p (sgd: ×1, exact)
            if s.weightDecay != 0 { gi += decay * p[i] }  // L2 term d ← d + λθ, after any normalisation
            if s.momentum > 0 {
                // b ← μ·b + d (at the first step b = d, since b starts at 0)
                buffer[i] = buffer[i] * momentum + gi
                gi = buffer[i]
            }
            p[i] -= lr * gi  // θ ← θ − lr·b
        }
    }

    /// Normalised SGD's factor 1/‖g‖_p for the group's gradient (Yu et al., "Block-normalized
    /// gradient method", https://arxiv.org/abs/1707.04822: each block of parameters — here each
    /// lag group — gets a direction of unit norm, so every lag has an equal vote). 0 for a zero
    /// gradient, which then moves nothing but the decay. The norm is taken in Double.
    @inline(__always)
    func normalisation(_ g: UnsafePointer<T>) -> T {
        let norm: Double
        switch settings.normP {
        case .one: norm = Kernels.sumOfMagnitudes(g, count)  // ‖g‖₁ = Σ|g_i|
        case .two: norm = Kernels.sumOfSquares(g, count).squareRoot()  // ‖g‖₂
        case .infinity: norm = Kernels.largestMagnitude(g, count)  // ‖g‖_∞ = max|g_i|
        }
        return norm > 0 ? T(1 / norm) : 0
    }
}
