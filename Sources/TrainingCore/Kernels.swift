/// The dense linear algebra of the training core, on row-major matrices given by a base pointer
/// and a leading dimension (the distance between rows, as in BLAS).
///
/// Matrices of activations are laid out unit × (step · lane): one row per unit, the columns of
/// step t for lanes 0 … L−1 side by side, L a multiple of 8 (see `WindowBuffers`). So rows are
/// long and contiguous, every column count the kernels see is a whole number of SIMD vectors, and
/// a whole window's steps form one matrix — which is what lets the weight gradients of all steps,
/// and BPTD's lag recursion, be single products.
///
/// The products are register-blocked micro-kernels over `T.Vector` (256 bits) with fused
/// multiply-adds. Each output element accumulates its terms in a fixed order, and reductions keep
/// fixed lanes summed in a fixed order, so a result depends only on the inputs — not on the host's
/// vector width, nor on how the work is split.
public enum Kernels {
    // MARK: Vectors

    @inlinable @inline(__always)
    static func load<T: Scalar>(_ p: UnsafePointer<T>) -> T.Vector {
        UnsafeRawPointer(p).loadUnaligned(as: T.Vector.self)
    }

    @inlinable @inline(__always)
    static func store<T: Scalar>(_ v: T.Vector, _ p: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: T.Vector.self)
    }

    @inlinable @inline(__always)
    static func width<T: Scalar>(_: T.Type) -> Int { T.Vector.scalarCount }

    // MARK: Products

    /// C (m×n) = A (m×k) · B (k×n), or C += … when `accumulate`. n must be a multiple of the
    /// vector width.
    @inlinable
    public static func multiply<T: Scalar>(
        _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ lda: Int,
        _ b: UnsafePointer<T>, _ ldb: Int,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, accumulate: Bool
    ) {
        product(m, n, k, a, lda, 1, b, ldb, c, ldc, accumulate: accumulate)
    }

    /// C (m×n) = Aᵀ · B with A stored k×m, or C += … when `accumulate`. n must be a multiple of
    /// the vector width.
    @inlinable
    public static func multiplyTransposedA<T: Scalar>(
        _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ lda: Int,
        _ b: UnsafePointer<T>, _ ldb: Int,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, accumulate: Bool
    ) {
        product(m, n, k, a, 1, lda, b, ldb, c, ldc, accumulate: accumulate)
    }

    /// C (m×n) (+)= op(A) · B, with op(A)[i, p] = a[i·rowStride + p·columnStride]: the
    /// outer-product kernel, a block of C held in registers while p runs over k — 6 rows × 2
    /// vectors, or 4 rows × 3 vectors where fewer rows go to waste (below).
    /// A last partial block of rows repeats its last row and stores only the real ones.
    @inlinable
    static func product<T: Scalar>(
        _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ rowStride: Int, _ columnStride: Int,
        _ b: UnsafePointer<T>, _ ldb: Int,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, accumulate: Bool
    ) {
        precondition(n % width(T.self) == 0, "column count \(n) is not a multiple of the vector width")
        guard m > 0 && n > 0 else { return }
        // Blocks of 6 rows × 2 vectors are the most efficient per fused multiply-add, 4 × 3
        // (12 accumulators too, but 16 live vector registers) about 7 % less (measured); yet a
        // last partial block of 6 computes repeated rows for nothing — 4 of 36 at 32 rows. So 4-row
        // blocks where that waste outweighs their cost (20 or 32 rows, not 128), given 3 vectors
        // of columns to run them over.
        let rows6 = (m + 5) / 6 * 6, rows4 = (m + 3) / 4 * 4
        let byFours = m < 6 || (n >= 3 * width(T.self) && 15 * rows4 < 14 * rows6)
        if !byFours {
            var i = 0
            while i < m {
                productBlock6(i, m, n, k, a, rowStride, columnStride, b, ldb, c, ldc, accumulate: accumulate)
                i += 6
            }
        } else {
            var i = 0
            while i < m {
                productBlock4(i, m, n, k, a, rowStride, columnStride, b, ldb, c, ldc, accumulate: accumulate)
                i += 4
            }
        }
    }

    /// Rows i … i+5 of C (clamped to m), two vectors of columns at a time (12 accumulators: per
    /// step of k, 2 loads and 6 broadcasts feed 12 fused multiply-adds), then one.
    @inlinable @inline(__always)
    static func productBlock6<T: Scalar>(
        _ i: Int, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ rowStride: Int, _ columnStride: Int,
        _ b: UnsafePointer<T>, _ ldb: Int,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, accumulate: Bool
    ) {
        let w = width(T.self), rows = min(6, m - i), last = m - 1
        let r0 = i, r1 = min(i + 1, last), r2 = min(i + 2, last), r3 = min(i + 3, last), r4 = min(i + 4, last), r5 = min(i + 5, last)
        let a0 = a + r0 * rowStride, a1 = a + r1 * rowStride, a2 = a + r2 * rowStride
        let a3 = a + r3 * rowStride, a4 = a + r4 * rowStride, a5 = a + r5 * rowStride
        let c0 = c + r0 * ldc, c1 = c + r1 * ldc, c2 = c + r2 * ldc, c3 = c + r3 * ldc, c4 = c + r4 * ldc, c5 = c + r5 * ldc
        var j = 0
        while j + 2 * w <= n {
            var x00 = T.Vector(), x01 = T.Vector(), x10 = T.Vector(), x11 = T.Vector(), x20 = T.Vector(), x21 = T.Vector()
            var x30 = T.Vector(), x31 = T.Vector(), x40 = T.Vector(), x41 = T.Vector(), x50 = T.Vector(), x51 = T.Vector()
            if accumulate {
                x00 = load(c0 + j); x01 = load(c0 + j + w); x10 = load(c1 + j); x11 = load(c1 + j + w)
                x20 = load(c2 + j); x21 = load(c2 + j + w); x30 = load(c3 + j); x31 = load(c3 + j + w)
                x40 = load(c4 + j); x41 = load(c4 + j + w); x50 = load(c5 + j); x51 = load(c5 + j + w)
            }
            var bp = b + j, q = 0
            for _ in 0..<k {
                let b0: T.Vector = load(bp), b1: T.Vector = load(bp + w)
                var s = T.Vector(repeating: a0[q])
                x00.addProduct(s, b0); x01.addProduct(s, b1)
                s = T.Vector(repeating: a1[q])
                x10.addProduct(s, b0); x11.addProduct(s, b1)
                s = T.Vector(repeating: a2[q])
                x20.addProduct(s, b0); x21.addProduct(s, b1)
                s = T.Vector(repeating: a3[q])
                x30.addProduct(s, b0); x31.addProduct(s, b1)
                s = T.Vector(repeating: a4[q])
                x40.addProduct(s, b0); x41.addProduct(s, b1)
                s = T.Vector(repeating: a5[q])
                x50.addProduct(s, b0); x51.addProduct(s, b1)
                bp += ldb
                q += columnStride
            }
            // Stores in reverse, so that a repeated last row ends with its own (equal) values.
            if rows > 5 { store(x50, c5 + j); store(x51, c5 + j + w) }
            if rows > 4 { store(x40, c4 + j); store(x41, c4 + j + w) }
            if rows > 3 { store(x30, c3 + j); store(x31, c3 + j + w) }
            if rows > 2 { store(x20, c2 + j); store(x21, c2 + j + w) }
            if rows > 1 { store(x10, c1 + j); store(x11, c1 + j + w) }
            store(x00, c0 + j); store(x01, c0 + j + w)
            j += 2 * w
        }
        if j < n {  // one vector left
            var x0 = T.Vector(), x1 = T.Vector(), x2 = T.Vector(), x3 = T.Vector(), x4 = T.Vector(), x5 = T.Vector()
            if accumulate {
                x0 = load(c0 + j); x1 = load(c1 + j); x2 = load(c2 + j); x3 = load(c3 + j); x4 = load(c4 + j); x5 = load(c5 + j)
            }
            var bp = b + j, q = 0
            for _ in 0..<k {
                let v: T.Vector = load(bp)
                x0.addProduct(T.Vector(repeating: a0[q]), v)
                x1.addProduct(T.Vector(repeating: a1[q]), v)
                x2.addProduct(T.Vector(repeating: a2[q]), v)
                x3.addProduct(T.Vector(repeating: a3[q]), v)
                x4.addProduct(T.Vector(repeating: a4[q]), v)
                x5.addProduct(T.Vector(repeating: a5[q]), v)
                bp += ldb
                q += columnStride
            }
            if rows > 5 { store(x5, c5 + j) }
            if rows > 4 { store(x4, c4 + j) }
            if rows > 3 { store(x3, c3 + j) }
            if rows > 2 { store(x2, c2 + j) }
            if rows > 1 { store(x1, c1 + j) }
            store(x0, c0 + j)
        }
    }

    /// Rows i … i+3 of C (clamped to m), three vectors of columns at a time, then two, then one.
    @inlinable @inline(__always)
    static func productBlock4<T: Scalar>(
        _ i: Int, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ rowStride: Int, _ columnStride: Int,
        _ b: UnsafePointer<T>, _ ldb: Int,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, accumulate: Bool
    ) {
        let w = width(T.self), rows = min(4, m - i)
        let r0 = i, r1 = min(i + 1, m - 1), r2 = min(i + 2, m - 1), r3 = min(i + 3, m - 1)
        let a0 = a + r0 * rowStride, a1 = a + r1 * rowStride, a2 = a + r2 * rowStride, a3 = a + r3 * rowStride
        let c0 = c + r0 * ldc, c1 = c + r1 * ldc, c2 = c + r2 * ldc, c3 = c + r3 * ldc
        var j = 0
        while j + 3 * w <= n {
            var x00 = T.Vector(), x01 = T.Vector(), x02 = T.Vector(), x10 = T.Vector(), x11 = T.Vector(), x12 = T.Vector()
            var x20 = T.Vector(), x21 = T.Vector(), x22 = T.Vector(), x30 = T.Vector(), x31 = T.Vector(), x32 = T.Vector()
            if accumulate {
                x00 = load(c0 + j); x01 = load(c0 + j + w); x02 = load(c0 + j + 2 * w)
                x10 = load(c1 + j); x11 = load(c1 + j + w); x12 = load(c1 + j + 2 * w)
                x20 = load(c2 + j); x21 = load(c2 + j + w); x22 = load(c2 + j + 2 * w)
                x30 = load(c3 + j); x31 = load(c3 + j + w); x32 = load(c3 + j + 2 * w)
            }
            var bp = b + j, q = 0
            for _ in 0..<k {
                let b0: T.Vector = load(bp), b1: T.Vector = load(bp + w), b2: T.Vector = load(bp + 2 * w)
                var s = T.Vector(repeating: a0[q])
                x00.addProduct(s, b0); x01.addProduct(s, b1); x02.addProduct(s, b2)
                s = T.Vector(repeating: a1[q])
                x10.addProduct(s, b0); x11.addProduct(s, b1); x12.addProduct(s, b2)
                s = T.Vector(repeating: a2[q])
                x20.addProduct(s, b0); x21.addProduct(s, b1); x22.addProduct(s, b2)
                s = T.Vector(repeating: a3[q])
                x30.addProduct(s, b0); x31.addProduct(s, b1); x32.addProduct(s, b2)
                bp += ldb
                q += columnStride
            }
            if rows > 3 { store(x30, c3 + j); store(x31, c3 + j + w); store(x32, c3 + j + 2 * w) }
            if rows > 2 { store(x20, c2 + j); store(x21, c2 + j + w); store(x22, c2 + j + 2 * w) }
            if rows > 1 { store(x10, c1 + j); store(x11, c1 + j + w); store(x12, c1 + j + 2 * w) }
            store(x00, c0 + j); store(x01, c0 + j + w); store(x02, c0 + j + 2 * w)
            j += 3 * w
        }
        while j + 2 * w <= n {
            var x00 = T.Vector(), x01 = T.Vector(), x10 = T.Vector(), x11 = T.Vector()
            var x20 = T.Vector(), x21 = T.Vector(), x30 = T.Vector(), x31 = T.Vector()
            if accumulate {
                x00 = load(c0 + j); x01 = load(c0 + j + w); x10 = load(c1 + j); x11 = load(c1 + j + w)
                x20 = load(c2 + j); x21 = load(c2 + j + w); x30 = load(c3 + j); x31 = load(c3 + j + w)
            }
            var bp = b + j, q = 0
            for _ in 0..<k {
                let b0: T.Vector = load(bp), b1: T.Vector = load(bp + w)
                let s0 = T.Vector(repeating: a0[q]), s1 = T.Vector(repeating: a1[q])
                let s2 = T.Vector(repeating: a2[q]), s3 = T.Vector(repeating: a3[q])
                x00.addProduct(s0, b0); x01.addProduct(s0, b1)
                x10.addProduct(s1, b0); x11.addProduct(s1, b1)
                x20.addProduct(s2, b0); x21.addProduct(s2, b1)
                x30.addProduct(s3, b0); x31.addProduct(s3, b1)
                bp += ldb
                q += columnStride
            }
            if rows > 3 { store(x30, c3 + j); store(x31, c3 + j + w) }
            if rows > 2 { store(x20, c2 + j); store(x21, c2 + j + w) }
            if rows > 1 { store(x10, c1 + j); store(x11, c1 + j + w) }
            store(x00, c0 + j); store(x01, c0 + j + w)
            j += 2 * w
        }
        if j < n {  // one vector left
            var x0 = T.Vector(), x1 = T.Vector(), x2 = T.Vector(), x3 = T.Vector()
            if accumulate { x0 = load(c0 + j); x1 = load(c1 + j); x2 = load(c2 + j); x3 = load(c3 + j) }
            var bp = b + j, q = 0
            for _ in 0..<k {
                let b0: T.Vector = load(bp)
                x0.addProduct(T.Vector(repeating: a0[q]), b0)
                x1.addProduct(T.Vector(repeating: a1[q]), b0)
                x2.addProduct(T.Vector(repeating: a2[q]), b0)
                x3.addProduct(T.Vector(repeating: a3[q]), b0)
                bp += ldb
                q += columnStride
            }
            if rows > 3 { store(x3, c3 + j) }
            if rows > 2 { store(x2, c2 + j) }
            if rows > 1 { store(x1, c1 + j) }
            store(x0, c0 + j)
        }
    }

    /// C (m×n) += A · Bᵀ with A stored m×k and B stored n×k: every entry a dot product along k,
    /// which must be a multiple of the vector width. Each entry is a vector of partial sums over
    /// the lanes (lane l accumulating the terms p ≡ l mod width, in order of p), summed at the end
    /// by `T.sum` and then added to C — whatever block computes it, so every blocking below gives
    /// the same bits. Blocks of 4 rows × 3 columns (12 accumulators, 7 loads per 12 fused
    /// multiply-adds; the 4 rows of A stay in L1 while B streams past them); with fewer than 4
    /// rows or 8 columns 2 × 4 (which wastes less of a small C on repeated rows and columns), with
    /// fewer than 3 columns 4 × 1.
    @inlinable
    public static func accumulateTransposedB<T: Scalar>(
        _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ lda: Int,
        _ b: UnsafePointer<T>, _ ldb: Int,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int
    ) {
        precondition(k % width(T.self) == 0, "inner dimension \(k) is not a multiple of the vector width")
        guard m > 0 && n > 0 else { return }
        if n < 3 {
            for j in 0..<n {
                var i = 0
                while i < m {
                    dotBlock4x1(i, j, m, k, a, lda, b, ldb, c, ldc)
                    i += 4
                }
            }
            return
        }
        if m < 4 || n < 8 {
            var i = 0
            while i < m {
                var j = 0
                while j < n {
                    dotBlock2x4(i, j, m, n, k, a, lda, b, ldb, c, ldc)
                    j += 4
                }
                i += 2
            }
            return
        }
        var i = 0
        while i < m {
            var j = 0
            while j < n {
                dotBlock4x3(i, j, m, n, k, a, lda, b, ldb, c, ldc)
                j += 3
            }
            i += 4
        }
    }

    /// C[i … i+3, j … j+2] += rows of A · rows of B (clamped to m, n).
    @inlinable @inline(__always)
    static func dotBlock4x3<T: Scalar>(
        _ i: Int, _ j: Int, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ lda: Int, _ b: UnsafePointer<T>, _ ldb: Int, _ c: UnsafeMutablePointer<T>, _ ldc: Int
    ) {
        let w = width(T.self)
        let rows = min(4, m - i), columns = min(3, n - j)
        let a0 = a + i * lda, a1 = a + min(i + 1, m - 1) * lda, a2 = a + min(i + 2, m - 1) * lda, a3 = a + min(i + 3, m - 1) * lda
        let b0 = b + j * ldb, b1 = b + min(j + 1, n - 1) * ldb, b2 = b + min(j + 2, n - 1) * ldb
        var x00 = T.Vector(), x01 = T.Vector(), x02 = T.Vector()
        var x10 = T.Vector(), x11 = T.Vector(), x12 = T.Vector()
        var x20 = T.Vector(), x21 = T.Vector(), x22 = T.Vector()
        var x30 = T.Vector(), x31 = T.Vector(), x32 = T.Vector()
        var p = 0
        while p < k {
            let v0: T.Vector = load(b0 + p), v1: T.Vector = load(b1 + p), v2: T.Vector = load(b2 + p)
            var u: T.Vector = load(a0 + p)
            x00.addProduct(u, v0); x01.addProduct(u, v1); x02.addProduct(u, v2)
            u = load(a1 + p)
            x10.addProduct(u, v0); x11.addProduct(u, v1); x12.addProduct(u, v2)
            u = load(a2 + p)
            x20.addProduct(u, v0); x21.addProduct(u, v1); x22.addProduct(u, v2)
            u = load(a3 + p)
            x30.addProduct(u, v0); x31.addProduct(u, v1); x32.addProduct(u, v2)
            p += w
        }
        var row = c + i * ldc + j
        row[0] += T.sum(x00)
        if columns > 1 { row[1] += T.sum(x01) }
        if columns > 2 { row[2] += T.sum(x02) }
        guard rows > 1 else { return }
        row += ldc
        row[0] += T.sum(x10)
        if columns > 1 { row[1] += T.sum(x11) }
        if columns > 2 { row[2] += T.sum(x12) }
        guard rows > 2 else { return }
        row += ldc
        row[0] += T.sum(x20)
        if columns > 1 { row[1] += T.sum(x21) }
        if columns > 2 { row[2] += T.sum(x22) }
        guard rows > 3 else { return }
        row += ldc
        row[0] += T.sum(x30)
        if columns > 1 { row[1] += T.sum(x31) }
        if columns > 2 { row[2] += T.sum(x32) }
    }

    /// C[i … i+1, j … j+3] += rows of A · rows of B (clamped to m, n).
    @inlinable @inline(__always)
    static func dotBlock2x4<T: Scalar>(
        _ i: Int, _ j: Int, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ lda: Int, _ b: UnsafePointer<T>, _ ldb: Int, _ c: UnsafeMutablePointer<T>, _ ldc: Int
    ) {
        let w = width(T.self)
        let rows = min(2, m - i), columns = min(4, n - j)
        let a0 = a + i * lda, a1 = a + min(i + 1, m - 1) * lda
        let b0 = b + j * ldb, b1 = b + min(j + 1, n - 1) * ldb
        let b2 = b + min(j + 2, n - 1) * ldb, b3 = b + min(j + 3, n - 1) * ldb
        var x00 = T.Vector(), x01 = T.Vector(), x02 = T.Vector(), x03 = T.Vector()
        var x10 = T.Vector(), x11 = T.Vector(), x12 = T.Vector(), x13 = T.Vector()
        var p = 0
        while p < k {
            let u0: T.Vector = load(a0 + p), u1: T.Vector = load(a1 + p)
            let v0: T.Vector = load(b0 + p), v1: T.Vector = load(b1 + p)
            let v2: T.Vector = load(b2 + p), v3: T.Vector = load(b3 + p)
            x00.addProduct(u0, v0); x01.addProduct(u0, v1); x02.addProduct(u0, v2); x03.addProduct(u0, v3)
            x10.addProduct(u1, v0); x11.addProduct(u1, v1); x12.addProduct(u1, v2); x13.addProduct(u1, v3)
            p += w
        }
        let row0 = c + i * ldc + j
        row0[0] += T.sum(x00)
        if columns > 1 { row0[1] += T.sum(x01) }
        if columns > 2 { row0[2] += T.sum(x02) }
        if columns > 3 { row0[3] += T.sum(x03) }
        if rows > 1 {
            let row1 = row0 + ldc
            row1[0] += T.sum(x10)
            if columns > 1 { row1[1] += T.sum(x11) }
            if columns > 2 { row1[2] += T.sum(x12) }
            if columns > 3 { row1[3] += T.sum(x13) }
        }
    }

    /// C[i … i+3, j] += rows of A · row j of B (clamped to m).
    @inlinable @inline(__always)
    static func dotBlock4x1<T: Scalar>(
        _ i: Int, _ j: Int, _ m: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ lda: Int, _ b: UnsafePointer<T>, _ ldb: Int, _ c: UnsafeMutablePointer<T>, _ ldc: Int
    ) {
        let w = width(T.self), rows = min(4, m - i), last = m - 1
        let a0 = a + i * lda, a1 = a + min(i + 1, last) * lda, a2 = a + min(i + 2, last) * lda, a3 = a + min(i + 3, last) * lda
        let bj = b + j * ldb
        var x0 = T.Vector(), x1 = T.Vector(), x2 = T.Vector(), x3 = T.Vector()
        var p = 0
        while p < k {
            let v: T.Vector = load(bj + p)
            x0.addProduct(load(a0 + p), v)
            x1.addProduct(load(a1 + p), v)
            x2.addProduct(load(a2 + p), v)
            x3.addProduct(load(a3 + p), v)
            p += w
        }
        let column = c + i * ldc + j
        column[0] += T.sum(x0)
        if rows > 1 { column[ldc] += T.sum(x1) }
        if rows > 2 { column[2 * ldc] += T.sum(x2) }
        if rows > 3 { column[3 * ldc] += T.sum(x3) }
    }

    /// y[i] += Σ_j A[i, j] over n columns (a multiple of the vector width) of each of m rows.
    @inlinable
    public static func accumulateRowSums<T: Scalar>(
        _ m: Int, _ n: Int, _ a: UnsafePointer<T>, _ lda: Int, _ y: UnsafeMutablePointer<T>
    ) {
        for i in 0..<m { y[i] += sum(a + i * lda, n) }
    }

    // MARK: Element-wise (n a multiple of the vector width)

    /// z = x ⊙ y.
    @inlinable
    public static func multiply<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, into z: UnsafeMutablePointer<T>, _ n: Int) {
        let w = width(T.self)
        var i = 0
        while i < n {
            store(load(x + i) * load(y + i), z + i)
            i += w
        }
    }

    /// z = x ⊙ (y + z).
    @inlinable
    public static func multiplyAdding<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, into z: UnsafeMutablePointer<T>, _ n: Int) {
        let w = width(T.self)
        var i = 0
        while i < n {
            store(load(x + i) * (load(y + i) + load(UnsafePointer(z + i))), z + i)
            i += w
        }
    }

    /// y += x.
    @inlinable
    public static func add<T: Scalar>(_ x: UnsafePointer<T>, into y: UnsafeMutablePointer<T>, _ n: Int) {
        let w = width(T.self)
        var i = 0
        while i < n {
            store(load(x + i) + load(UnsafePointer(y + i)), y + i)
            i += w
        }
    }

    /// Applies `body` to parameters, gradients and two state buffers, a vector at a time; the
    /// last partial vector goes through zero-padded copies, of which only the real lanes are
    /// written back — one formula for every element (an optimizer's update rule).
    @inlinable @inline(__always)
    public static func update<T: Scalar>(
        _ n: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
        _ body: (inout T.Vector, T.Vector, inout T.Vector, inout T.Vector) -> Void
    ) {
        let w = width(T.self)
        var i = 0
        while i + w <= n {
            var pv: T.Vector = load(p + i), mv: T.Vector = load(m + i), vv: T.Vector = load(v + i)
            body(&pv, load(g + i), &mv, &vv)
            store(pv, p + i)
            store(mv, m + i)
            store(vv, v + i)
            i += w
        }
        guard i < n else { return }
        var pv = T.Vector(), gv = T.Vector(), mv = T.Vector(), vv = T.Vector()
        for lane in 0..<(n - i) {
            pv[lane] = p[i + lane]
            gv[lane] = g[i + lane]
            mv[lane] = m[i + lane]
            vv[lane] = v[i + lane]
        }
        body(&pv, gv, &mv, &vv)
        for lane in 0..<(n - i) {
            p[i + lane] = pv[lane]
            m[i + lane] = mv[lane]
            v[i + lane] = vv[lane]
        }
    }

    /// `update` with a third state buffer `w` (AMSGrad's running maximum).
    @inlinable @inline(__always)
    public static func update<T: Scalar>(
        _ n: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
        _ w: UnsafeMutablePointer<T>, _ body: (inout T.Vector, T.Vector, inout T.Vector, inout T.Vector, inout T.Vector) -> Void
    ) {
        let width = width(T.self)
        var i = 0
        while i + width <= n {
            var pv: T.Vector = load(p + i), mv: T.Vector = load(m + i), vv: T.Vector = load(v + i), wv: T.Vector = load(w + i)
            body(&pv, load(g + i), &mv, &vv, &wv)
            store(pv, p + i)
            store(mv, m + i)
            store(vv, v + i)
            store(wv, w + i)
            i += width
        }
        guard i < n else { return }
        var pv = T.Vector(), gv = T.Vector(), mv = T.Vector(), vv = T.Vector(), wv = T.Vector()
        for lane in 0..<(n - i) {
            pv[lane] = p[i + lane]
            gv[lane] = g[i + lane]
            mv[lane] = m[i + lane]
            vv[lane] = v[i + lane]
            wv[lane] = w[i + lane]
        }
        body(&pv, gv, &mv, &vv, &wv)
        for lane in 0..<(n - i) {
            p[i + lane] = pv[lane]
            m[i + lane] = mv[lane]
            v[i + lane] = vv[lane]
            w[i + lane] = wv[lane]
        }
    }

    /// `update` whose body also returns a vector, summed over the calls (the zero-padded lanes
    /// of the last call included: the body must give 0 there).
    @inlinable @inline(__always)
    public static func updateSumming<T: Scalar>(
        _ n: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
        _ body: (inout T.Vector, T.Vector, inout T.Vector, inout T.Vector) -> T.Vector
    ) -> T.Vector {
        let w = width(T.self)
        var total = T.Vector()
        var i = 0
        while i + w <= n {
            var pv: T.Vector = load(p + i), mv: T.Vector = load(m + i), vv: T.Vector = load(v + i)
            total += body(&pv, load(g + i), &mv, &vv)
            store(pv, p + i)
            store(mv, m + i)
            store(vv, v + i)
            i += w
        }
        guard i < n else { return total }
        var pv = T.Vector(), gv = T.Vector(), mv = T.Vector(), vv = T.Vector()
        for lane in 0..<(n - i) {
            pv[lane] = p[i + lane]
            gv[lane] = g[i + lane]
            mv[lane] = m[i + lane]
            vv[lane] = v[i + lane]
        }
        total += body(&pv, gv, &mv, &vv)
        for lane in 0..<(n - i) {
            p[i + lane] = pv[lane]
            m[i + lane] = mv[lane]
            v[i + lane] = vv[lane]
        }
        return total
    }

    // MARK: Reductions

    /// Σ |x[i]|, as a Double.
    @inlinable
    public static func sumOfMagnitudes<T: Scalar>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
        var total = 0.0
        for i in 0..<n { total += Double(x[i].magnitude) }
        return total
    }

    /// max |x[i]| (0 for none), as a Double.
    @inlinable
    public static func largestMagnitude<T: Scalar>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
        var largest: T = 0
        for i in 0..<n { largest = max(largest, x[i].magnitude) }
        return Double(largest)
    }

    /// Σ x[i] (vector lanes, then the tail, in a fixed order).
    @inlinable
    public static func sum<T: Scalar>(_ x: UnsafePointer<T>, _ n: Int) -> T {
        let w = width(T.self)
        var s0 = T.Vector(), s1 = T.Vector()
        var i = 0
        while i + 2 * w <= n {
            s0 += load(x + i)
            s1 += load(x + i + w)
            i += 2 * w
        }
        if i + w <= n {
            s0 += load(x + i)
            i += w
        }
        var total = T.sum(s0 + s1)
        while i < n {
            total += x[i]
            i += 1
        }
        return total
    }

    /// Σ x[i]², as a Double (vector lanes in T, then the tail).
    @inlinable
    public static func sumOfSquares<T: Scalar>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
        dot(x, x, n)
    }

    /// Σ x[i]·y[i], as a Double (vector lanes in T, then the tail).
    @inlinable
    public static func dot<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> Double {
        let w = width(T.self)
        var s0 = T.Vector(), s1 = T.Vector()
        var i = 0
        while i + 2 * w <= n {
            s0.addProduct(load(x + i), load(y + i))
            s1.addProduct(load(x + i + w), load(y + i + w))
            i += 2 * w
        }
        if i + w <= n {
            s0.addProduct(load(x + i), load(y + i))
            i += w
        }
        var total = Double(T.sum(s0 + s1))
        while i < n {
            total += Double(x[i]) * Double(y[i])
            i += 1
        }
        return total
    }

    /// Whether every x[i] is finite: x − x is 0 for finite x and NaN otherwise.
    @inlinable
    public static func allFinite<T: Scalar>(_ x: UnsafePointer<T>, _ n: Int) -> Bool {
        var total: T = 0
        for i in 0..<n { total += x[i] - x[i] }
        return total == 0
    }

    /// The cosine of the angle between x and y (0 when either is zero).
    @inlinable
    public static func cosine<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> Double {
        let norms = (sumOfSquares(x, n) * sumOfSquares(y, n)).squareRoot()
        return norms > 0 ? dot(x, y, n) / norms : 0
    }
}
