/// The per-step constants of an Adam step, as vectors; `weight` scales the learning rate where
/// it enters (1 − w·lr·λ, w·lr/(1 − β1^t)), so that w = 1 gives exactly the unweighted values.
struct AdamConstants<T: Scalar> {
    let shrink: T.Vector, coupled: T.Vector, step: T.Vector, root: T.Vector
    let b1: T.Vector, b2: T.Vector, b2c: T.Vector, eps: T.Vector

    @inline(__always)
    init(_ s: OptimizerSettings, steps: Int, weight: Double) {
        let decoupled = s.kind == .adamw
        // Bias corrections in Double, as PyTorch computes them in Python.
        let correction1 = 1 - power(s.beta1, steps)
        let correction2 = 1 - power(s.beta2, steps)
        // AdamW shrinks θ (decoupled decay), Adam adds λθ to g (L2 term); the other factor is an
        // exact no-op (×1, +0·θ), which keeps the update free of branches.
        shrink = T.Vector(repeating: decoupled ? T(1 - weight * s.lr * s.weightDecay) : 1)
        coupled = T.Vector(repeating: decoupled ? 0 : T(s.weightDecay))
        step = T.Vector(repeating: T(weight * s.lr / correction1))
        root = T.Vector(repeating: T(correction2.squareRoot()))
        b1 = T.Vector(repeating: T(1 - s.beta1))
        b2 = T.Vector(repeating: T(s.beta2))
        b2c = T.Vector(repeating: T(1 - s.beta2))
        eps = T.Vector(repeating: T(s.eps))
    }
}
