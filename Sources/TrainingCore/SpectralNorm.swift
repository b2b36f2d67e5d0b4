/// The largest singular value of a square matrix by power iteration on AᵀA, in Double.
///
/// The iteration starts from the previous call's singular vector (warm start), so tracking a
/// slowly changing matrix window after window costs a few iterations; it stops when the estimate
/// changes by less than 1e-10 relative, or after 500 iterations.
struct SpectralNorm {
    let size: Int
    private var vector: [Double]
    private var scratch: [Double]

    init(size: Int) {
        self.size = size
        vector = [Double](repeating: 1 / Double(size).squareRoot(), count: size)
        scratch = [Double](repeating: 0, count: size)
    }

    /// The warm-start vector, into a checkpoint.
    func write(to writer: inout CheckpointWriter) { writer.section(vector) }

    /// The warm-start vector, from a checkpoint.
    mutating func read(from reader: inout CheckpointReader) throws { try reader.section(into: &vector, "a spectral norm's vector") }

    mutating func largestSingularValue<T: Scalar>(of a: UnsafePointer<T>) -> Double {
        let n = size
        var estimate = 0.0
        for _ in 0..<500 {
            // u = A v
            for i in 0..<n {
                var sum = 0.0
                for j in 0..<n { sum += Double(a[i * n + j]) * vector[j] }
                scratch[i] = sum
            }
            // σ ≈ ‖A v‖ with ‖v‖ = 1
            var normU = 0.0
            for i in 0..<n { normU += scratch[i] * scratch[i] }
            let sigma = normU.squareRoot()
            // v = Aᵀ u / ‖Aᵀ u‖
            for j in 0..<n { vector[j] = 0 }
            for i in 0..<n {
                let ui = scratch[i]
                for j in 0..<n { vector[j] += Double(a[i * n + j]) * ui }
            }
            var normV = 0.0
            for j in 0..<n { normV += vector[j] * vector[j] }
            normV = normV.squareRoot()
            guard normV > 0, normV.isFinite else {
                // A v = 0 (or non-finite): restart from a fixed vector next time.
                for j in 0..<n { vector[j] = 1 / Double(n).squareRoot() }
                return sigma.isFinite ? sigma : .nan
            }
            for j in 0..<n { vector[j] /= normV }
            if (sigma - estimate).magnitude <= 1e-10 * sigma { return sigma }
            estimate = sigma
        }
        return estimate
    }
}
