/// Gradient clipping, as `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`, and Pascanu's
/// rescaling to a fixed norm.
public enum Clipping {
    /// Scales `g[0 ..< count]` so its L2 norm is at most `maxNorm` (PyTorch: coefficient
    /// maxNorm / (norm + 1e-6), applied only when below 1). Returns the norm before clipping.
    @discardableResult
    public static func clipNorm<T: Scalar>(_ g: UnsafeMutablePointer<T>, count: Int, maxNorm: Double) -> Double {
        let norm = Kernels.sumOfSquares(g, count).squareRoot()
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            let c = T(coefficient)
            for i in 0..<count { g[i] *= c }
        }
        return norm
    }

    /// Scales `g[0 ..< count]` to L2 norm exactly `norm` (up to rounding), smaller or larger: the
    /// rescaling of Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural
    /// networks" (https://arxiv.org/abs/1211.5063), Algorithm 1, applied on every step. A zero
    /// gradient stays zero. Returns the norm before.
    @discardableResult
    public static func rescale<T: Scalar>(_ g: UnsafeMutablePointer<T>, count: Int, toNorm norm: Double) -> Double {
        let before = Kernels.sumOfSquares(g, count).squareRoot()
        guard before > 0 else { return before }
        let c = T(norm / before)  // ĝ ← (threshold / ‖ĝ‖)·ĝ
        for i in 0..<count { g[i] *= c }
        return before
    }

    /// Clamps every entry of `g[0 ..< count]` to [−limit, limit].
    public static func clipValue<T: Scalar>(_ g: UnsafeMutablePointer<T>, count: Int, limit: Double) {
        let high = T(limit), low = -T(limit)
        for i in 0..<count {
            let v = g[i]
            g[i] = v > high ? high : (v < low ? low : v)
        }
    }
}
