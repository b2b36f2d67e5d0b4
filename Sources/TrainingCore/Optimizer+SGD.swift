extension Optimizer {
    /// Stochastic gradient descent with momentum (Polyak's heavy ball as formulated by
    /// Sutskever et al., http://proceedings.mlr.press/v28/sutskever13.html), as `torch.optim.SGD`
    /// with `dampening=0`, `nesterov=False`.
    @inline(__always)
    func sgdStep(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>) {
        let s = settings
        let lr = T(s.lr), decay = T(s.weightDecay), momentum = T(s.momentum)
        let buffer = firstMoment.base
        for i in 0..<count {
            var gi = g[i]
            if s.weightDecay != 0 { gi += decay * p[i] }  // L2 term g ← g + λθ
            if s.momentum > 0 {
                // b ← μ·b + g (at the first step b = g, since b starts at 0)
                buffer[i] = buffer[i] * momentum + gi
                gi = buffer[i]
            }
            p[i] -= lr * gi  // θ ← θ − lr·b
        }
    }
}
