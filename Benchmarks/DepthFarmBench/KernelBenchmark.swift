import TrainingCore

/// GFLOP/s of the core's matrix products at the shapes a window of the seed experiment uses.
enum KernelBenchmark {
    struct Shape {
        let name: String
        let m, n, k: Int
        let kind: Kind
    }

    enum Kind { case nn, tn, nt }

    static let shapes: [Shape] = [
        Shape(name: "step W_hh·h (H=128, L=56)", m: 128, n: 56, k: 128, kind: .nn),
        Shape(name: "step W_hhᵀ·E (H=128, L=56)", m: 128, n: 56, k: 128, kind: .tn),
        Shape(name: "dW_hh = E·Hᵀ (H=128, T·L=1120)", m: 128, n: 128, k: 1120, kind: .nt),
        Shape(name: "step W_hh·h (H=32, L=56)", m: 32, n: 56, k: 32, kind: .nn),
        Shape(name: "dW_hh = E·Hᵀ (H=32, T·L=1120)", m: 32, n: 32, k: 1120, kind: .nt),
        Shape(name: "lag W_hhᵀ·E (H=32, 10 steps)", m: 32, n: 560, k: 32, kind: .tn),
        Shape(name: "step W_hh·h (H=4, L=56)", m: 4, n: 56, k: 4, kind: .nn),
        Shape(name: "dW_hh = E·Hᵀ (H=4, T·L=1120)", m: 4, n: 4, k: 1120, kind: .nt),
    ]

    /// GFLOP/s of `shape` over about `seconds`.
    static func measure(_ shape: Shape, seconds: Double = 0.3) -> Double {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        let a = Buffer<Float>(count: max(m, n) * max(k, m)), b = Buffer<Float>(count: max(k, n) * max(n, k)), c = Buffer<Float>(count: m * max(n, k))
        for i in 0..<a.count { a[i] = Float(i % 13) * 0.01 }
        for i in 0..<b.count { b[i] = Float(i % 7) * 0.01 }
        let clock = ContinuousClock()
        var repetitions = 0
        let start = clock.now
        var elapsed = 0.0
        while elapsed < seconds {
            for _ in 0..<100 {
                switch shape.kind {
                case .nn: Kernels.multiply(m, n, k, a.base, k, b.base, n, c.base, n, accumulate: true)
                case .tn: Kernels.multiplyTransposedA(m, n, k, a.base, m, b.base, n, c.base, n, accumulate: true)
                case .nt: Kernels.accumulateTransposedB(m, n, k, a.base, k, b.base, k, c.base, n)
                }
            }
            repetitions += 100
            let (whole, fraction) = (clock.now - start).components
            elapsed = Double(whole) + Double(fraction) * 1e-18
        }
        return Double(2 * m * n * k) * Double(repetitions) / elapsed / 1e9
    }
}
