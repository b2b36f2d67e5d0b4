import Foundation

/// The reference every training-core figure is quoted against: GFLOP/s of float32 fused
/// multiply-adds on one core with everything in registers — 12 independent accumulators of
/// 256-bit vectors (enough to cover the FMA latency on two pipes), no loads or stores in the loop.
/// It is what the machine could do if the products had nothing else to wait for.
enum FMABenchmark {
    /// GFLOP/s (2 per fused multiply-add per lane) over about `seconds`.
    static func measure(seconds: Double = 0.5) -> Double {
        // Operands the optimiser cannot see through: the loop must really run.
        let s = SIMD8<Float>(repeating: Float(CommandLine.arguments.count) * 1e-7)
        let t = SIMD8<Float>(repeating: 1e-3)
        var x0 = SIMD8<Float>(repeating: 1), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0
        var x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0
        let clock = ContinuousClock()
        let start = clock.now
        let inner = 100_000
        var rounds = 0
        var elapsed = 0.0
        while elapsed < seconds {
            for _ in 0..<inner {
                x0.addProduct(s, t); x1.addProduct(s, t); x2.addProduct(s, t); x3.addProduct(s, t)
                x4.addProduct(s, t); x5.addProduct(s, t); x6.addProduct(s, t); x7.addProduct(s, t)
                x8.addProduct(s, t); x9.addProduct(s, t); x10.addProduct(s, t); x11.addProduct(s, t)
            }
            rounds += 1
            let (whole, fraction) = (clock.now - start).components
            elapsed = Double(whole) + Double(fraction) * 1e-18
        }
        let total = ((x0 + x1 + x2 + x3) + (x4 + x5 + x6 + x7) + (x8 + x9 + x10 + x11)).sum()
        if total.isNaN { print("unreachable") }  // keeps the accumulators alive
        return Double(rounds * inner * 12 * 8 * 2) / elapsed / 1e9
    }
}
