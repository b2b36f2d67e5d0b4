/// Gradient clipping, as `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`.
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

    /// Clamps every entry of `g[0 ..< count]` to [−limit, limit].
    public static func clipValue<T: Scalar>(_ g: UnsafeMutablePointer<T>, count: Int, limit: Double) {
        let high = T(limit), low = -T(limit)
        for i in 0..<count {
            let v = g[i]
            g[i] = v > high ? high : (v < low ? low : v)
        }
    }
}
