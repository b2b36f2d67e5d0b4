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

    /// The order of operations every product promises, written as plain loops: C (+)= A·B and
    /// Aᵀ·B are, per entry, one chain of fused multiply-adds over p in order (from C or 0);
    /// C += A·Bᵀ gives each entry one partial sum per vector lane (lane l takes the terms
    /// p ≡ l mod width, in order), summed by `T.sum`, then added to C. A blocking or a wider
    /// path is only allowed if it gives exactly these bits (issue 18's rule: a trial's numbers
    /// must not depend on how the kernel is blocked or on the host's vector width).
    /// Bit for bit (the values are finite: equal and of the same sign).
    static func identical<T: Scalar>(_ x: [T], _ y: [T]) -> Bool {
        x.count == y.count && zip(x, y).allSatisfy { $0 == $1 && $0.sign == $1.sign }
    }

    func checkExactOrder<T: Scalar>(_: T.Type) {
        let w = T.Vector.scalarCount
        var failures = 0
        for m in [1, 2, 3, 4, 5, 6, 7, 9, 12, 13, 20, 32] {
            for n in [1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 32] {
                for k in [w, 3 * w, 7 * w] {
                    let a = Self.random(m * k, UInt64(m * 1000 + n * 10 + k)).map { T($0) }
                    let b = Self.random(n * k, UInt64(m * 7 + n * 3000 + k)).map { T($0) }
                    var c = Self.random(m * n, 9).map { T($0) }
                    var expected = c
                    for i in 0..<m {
                        for j in 0..<n {
                            var lanes = T.Vector()
                            for p in 0..<k { lanes[p % w] = lanes[p % w].addingProduct(a[i * k + p], b[j * k + p]) }
                            expected[i * n + j] += T.sum(lanes)
                        }
                    }
                    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                        Kernels.accumulateTransposedB(m, n, k, a.baseAddress!, k, b.baseAddress!, k, c.baseAddress!, n)
                    }}}
                    if !Self.identical(c, expected) { failures += 1; Issue.record("A·Bᵀ m \(m) n \(n) k \(k)") }
                }
                // A·B and Aᵀ·B over whole vectors of columns (n vectors), with and without C.
                let columns = n * w, k = m + 2
                let a = Self.random(m * k, UInt64(n)).map { T($0) }, b = Self.random(k * columns, UInt64(m)).map { T($0) }
                let c0 = Self.random(m * columns, 11).map { T($0) }
                for transposed in [false, true] {
                    for accumulate in [false, true] {
                        var c = c0, expected = c0
                        for i in 0..<m {
                            for j in 0..<columns {
                                var x: T = accumulate ? c0[i * columns + j] : 0
                                for p in 0..<k { x = x.addingProduct(transposed ? a[p * m + i] : a[i * k + p], b[p * columns + j]) }
                                expected[i * columns + j] = x
                            }
                        }
                        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                            if transposed {
                                Kernels.multiplyTransposedA(m, columns, k, a.baseAddress!, m, b.baseAddress!, columns, c.baseAddress!, columns, accumulate: accumulate)
                            } else {
                                Kernels.multiply(m, columns, k, a.baseAddress!, k, b.baseAddress!, columns, c.baseAddress!, columns, accumulate: accumulate)
                            }
                        }}}
                        if !Self.identical(c, expected) {
                            failures += 1
                            Issue.record("\(transposed ? "Aᵀ·B" : "A·B") m \(m) n \(columns) k \(k) accumulate \(accumulate)")
                        }
                    }
                }
            }
        }
        #expect(failures == 0)
    }

    @Test("every blocking of the products gives the bits of the documented order, f32")
    func exactOrderInFloat() { checkExactOrder(Float.self) }
    @Test("every blocking of the products gives the bits of the documented order, f64")
    func exactOrderInDouble() { checkExactOrder(Double.self) }

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
