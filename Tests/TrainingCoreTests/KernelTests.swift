import Testing
@testable import TrainingCore

/// The SIMD kernels against plain loops, over shapes that exercise every block size and
/// remainder (rows 1 … 13, one to five vectors of columns, short and long inner dimensions).
@Suite struct KernelTests {
    static func random(_ count: Int, _ seed: UInt64) -> [Double] {
        var r = RandomStream(seed: seed, purpose: .testData)
        return (0..<count).map { _ in r.nextUniform(-1, 1) }
    }

    static let shapes: [(m: Int, vectors: Int, k: Int)] = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13].flatMap { m in
        [(m, 1, 1), (m, 2, 3), (m, 3, 7), (m, 5, 16)]
    }

    func check<T: Scalar>(_: T.Type, tolerance: Double) {
        let w = T.Vector.scalarCount
        for (m, vectors, k) in Self.shapes {
            let n = vectors * w
            let a = Self.random(m * k + k * m, 1).map { T($0) }, b = Self.random(k * n, 2).map { T($0) }
            let c0 = Self.random(m * n, 3).map { T($0) }
            for accumulate in [false, true] {
                // C (+)= A·B and C (+)= Aᵀ·B, with A read as m×k (NN) and as k×m (TN).
                for transposed in [false, true] {
                    var c = c0
                    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                        if transposed {
                            Kernels.multiplyTransposedA(m, n, k, a.baseAddress!, m, b.baseAddress!, n, c.baseAddress!, n, accumulate: accumulate)
                        } else {
                            Kernels.multiply(m, n, k, a.baseAddress!, k, b.baseAddress!, n, c.baseAddress!, n, accumulate: accumulate)
                        }
                    }}}
                    for i in 0..<m {
                        for j in 0..<n {
                            var expected = accumulate ? Double(c0[i * n + j]) : 0
                            for p in 0..<k { expected += Double(transposed ? a[p * m + i] : a[i * k + p]) * Double(b[p * n + j]) }
                            #expect(abs(Double(c[i * n + j]) - expected) <= tolerance * Double(k + 1), "m \(m) n \(n) k \(k) (\(i), \(j))")
                        }
                    }
                }
            }
            // C += A·Bᵀ with k a multiple of the width: m×n dot products of length k.
            let kk = vectors * w, nn = m % 5 + 1
            let x = Self.random(m * kk, 4).map { T($0) }, y = Self.random(nn * kk, 5).map { T($0) }
            var c = Self.random(m * nn, 6).map { T($0) }
            let before = c
            x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { y in c.withUnsafeMutableBufferPointer { c in
                Kernels.accumulateTransposedB(m, nn, kk, x.baseAddress!, kk, y.baseAddress!, kk, c.baseAddress!, nn)
            }}}
            for i in 0..<m {
                for j in 0..<nn {
                    var expected = Double(before[i * nn + j])
                    for p in 0..<kk { expected += Double(x[i * kk + p]) * Double(y[j * kk + p]) }
                    #expect(abs(Double(c[i * nn + j]) - expected) <= tolerance * Double(kk + 1))
                }
            }
        }
    }

    @Test func productsInFloat() { check(Float.self, tolerance: 1e-6) }
    @Test func productsInDouble() { check(Double.self, tolerance: 1e-14) }

    @Test("element-wise kernels and reductions, remainders included")
    func elementwise() {
        let x = Self.random(37, 7).map { Float($0) }, y = Self.random(37, 8).map { Float($0) }
        var z = [Float](repeating: 0.5, count: 40)
        x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { y in z.withUnsafeMutableBufferPointer { z in
            Kernels.multiply(x.baseAddress!, y.baseAddress!, into: z.baseAddress!, 32)
        }}}
        #expect((0..<32).allSatisfy { z[$0] == x[$0] * y[$0] } && z[32] == 0.5)
        let sum = x.withUnsafeBufferPointer { Kernels.sum($0.baseAddress!, 37) }
        #expect(abs(Double(sum) - x.reduce(0.0) { $0 + Double($1) }) < 1e-5)
        let dot = x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { Kernels.dot(x.baseAddress!, $0.baseAddress!, 37) } }
        #expect(abs(dot - zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }) < 1e-5)
    }
}
