extension Optimizer {
    /// RMSprop (Hinton, Lecture 6e of "Neural Networks for Machine Learning",
    /// https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf), as
    /// `torch.optim.RMSprop` with `centered=False` (single-tensor path). With `weight` w the
    /// parameters move by w·Δθ (see `Optimizer`).
    @inline(__always)
    func rmspropStep(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, weight: Double) {
        let s = settings
        let lr = T(weight * s.lr), alpha = T(s.alpha), oneMinusAlpha = T(1 - s.alpha), eps = T(s.eps)
        let decay = T(s.weightDecay), momentum = T(s.momentum)
        let square = secondMoment.base, buffer = firstMoment.base
        for i in 0..<count {
            var gi = g[i]
            if s.weightDecay != 0 { gi += decay * p[i] }  // L2 term g ← g + λθ
            square[i] = square[i] * alpha + oneMinusAlpha * gi * gi  // E[g²] ← α·E[g²] + (1 − α)·g²
            let average = square[i].squareRoot() + eps  // √E[g²] + ε
            if s.momentum > 0 {
                buffer[i] = buffer[i] * momentum + gi / average  // b ← μ·b + g/avg
                p[i] -= lr * buffer[i]  // θ ← θ − lr·b
            } else {
                p[i] -= lr * (gi / average)  // θ ← θ − lr·g/avg
            }
        }
    }
}
