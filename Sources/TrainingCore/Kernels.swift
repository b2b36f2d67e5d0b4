/// The dense linear algebra of the training core: three matrix-product shapes and a few
/// element-wise loops, on row-major matrices given by a base pointer and a leading dimension
/// (the distance between rows, as in BLAS).
///
/// Matrices of activations are laid out hidden-unit × (step · batch): one row per unit, the
/// columns of step t for batch entries 0 … B−1 side by side. So a row is long and contiguous,
/// every loop below runs along a row, and a whole window's steps form one matrix — which is
/// what lets the weight gradients of all steps, and BPTD's lag recursion, be single products.
public enum Kernels {
    /// C (m×n) = A (m×k) · B (k×n), or C += … when `accumulate`.
    @inlinable
    public static func multiply<T: Scalar>(
        _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ lda: Int,
        _ b: UnsafePointer<T>, _ ldb: Int,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, accumulate: Bool
    ) {
        for i in 0..<m {
            let ci = c + i * ldc
            if !accumulate { ci.update(repeating: 0, count: n) }
            for p in 0..<k {
                let aip = a[i * lda + p]
                let bp = b + p * ldb
                for j in 0..<n { ci[j] += aip * bp[j] }
            }
        }
    }

    /// C (m×n) = Aᵀ · B with A stored k×m, or C += … when `accumulate`.
    @inlinable
    public static func multiplyTransposedA<T: Scalar>(
        _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ lda: Int,
        _ b: UnsafePointer<T>, _ ldb: Int,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, accumulate: Bool
    ) {
        for i in 0..<m {
            let ci = c + i * ldc
            if !accumulate { ci.update(repeating: 0, count: n) }
            for p in 0..<k {
                let api = a[p * lda + i]
                let bp = b + p * ldb
                for j in 0..<n { ci[j] += api * bp[j] }
            }
        }
    }

    /// C (m×n) += A · Bᵀ with A stored m×k and B stored n×k: every entry a dot product along k.
    @inlinable
    public static func accumulateTransposedB<T: Scalar>(
        _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ lda: Int,
        _ b: UnsafePointer<T>, _ ldb: Int,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int
    ) {
        for i in 0..<m {
            let ai = a + i * lda
            for j in 0..<n {
                let bj = b + j * ldb
                var sum: T = 0
                for p in 0..<k { sum += ai[p] * bj[p] }
                c[i * ldc + j] += sum
            }
        }
    }

    /// y[i] += Σ_j A[i, j] over n columns of each of m rows (bias gradients).
    @inlinable
    public static func accumulateRowSums<T: Scalar>(
        _ m: Int, _ n: Int, _ a: UnsafePointer<T>, _ lda: Int, _ y: UnsafeMutablePointer<T>
    ) {
        for i in 0..<m {
            let ai = a + i * lda
            var sum: T = 0
            for j in 0..<n { sum += ai[j] }
            y[i] += sum
        }
    }

    /// Σ x[i]², accumulated in Double.
    @inlinable
    public static func sumOfSquares<T: Scalar>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
        var sum = 0.0
        for i in 0..<n {
            let v = Double(x[i])
            sum += v * v
        }
        return sum
    }

    /// Σ x[i]·y[i], accumulated in Double.
    @inlinable
    public static func dot<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> Double {
        var sum = 0.0
        for i in 0..<n { sum += Double(x[i]) * Double(y[i]) }
        return sum
    }
}

extension Kernels {
    /// Whether every x[i] is finite: x − x is 0 for finite x and NaN otherwise.
    @inlinable
    public static func allFinite<T: Scalar>(_ x: UnsafePointer<T>, _ n: Int) -> Bool {
        var sum: T = 0
        for i in 0..<n { sum += x[i] - x[i] }
        return sum == 0
    }

    /// The cosine of the angle between x and y (0 when either is zero), in Double.
    @inlinable
    public static func cosine<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> Double {
        let norms = (sumOfSquares(x, n) * sumOfSquares(y, n)).squareRoot()
        return norms > 0 ? dot(x, y, n) / norms : 0
    }
}
