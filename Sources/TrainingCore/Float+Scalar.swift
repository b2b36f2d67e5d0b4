// Float's elementary functions for the training core. Branch-free (selects only) so loops over
// them vectorise; NaN propagates through every one of them. The constants are documented where
// they are used; `Double+Scalar.swift` has the same algorithms at double precision.

extension Float: Scalar {
    public typealias Vector = SIMD8<Float>

    public static var precisionName: String { "f32" }

    @inlinable @inline(__always)
    public static func sum(_ v: SIMD8<Float>) -> Float {
        let four = v.lowHalf + v.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    // A compare and a blend, written on the concrete vector type: the standard library's
    // `pointwiseMax`/`pointwiseMin` are out-of-line calls, and the same blends written generically
    // were not vectorised (measured: either made the snr weighting's pass several times slower).
    @inlinable @inline(__always)
    public static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .> a)
    }

    @inlinable @inline(__always)
    public static func magnitudeAtMostOne(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var r = x.replacing(with: -x, where: x .< 0)
        r.replace(with: 1, where: r .> 1)
        return r
    }

    /// e^x by Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, and the Taylor polynomial of
    /// degree 7 for e^r (truncation error 5e-9, below half an ulp), all with fused multiply-adds.
    /// The input is clamped to [−87, 88] so that 2^n stays a normal number.
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let (scale, q) = exponential(x)
        return fused(scale, q, scale)  // 2^n·(1 + (e^r − 1)), rounded once
    }

    /// e^x as 2^n·(1 + q), q = e^r − 1 (see `exp`); 2^n·q + (2^n − 1) is then e^x − 1 without
    /// cancellation.
    @inlinable @inline(__always)
    static func exponential(_ x: Float) -> (scale: Float, q: Float) {
        var x = x
        x = x < -87 ? -87 : x  // written so that NaN passes through both clamps
        x = x > 88 ? 88 : x
        // n = round(x/ln2): adding 1.5·2^23 leaves n in the low mantissa bits of `shifted`.
        let shifted = fused(x, 1.44269504088896341, 12_582_912)
        let n = shifted - 12_582_912
        let r = fused(n, 2.12194440e-4, fused(n, -0.693359375, x))  // ln2 = 0.693359375 − 2.12194440e-4
        var p: Float = 1.0 / 5040
        p = fused(p, r, 1.0 / 720)
        p = fused(p, r, 1.0 / 120)
        p = fused(p, r, 1.0 / 24)
        p = fused(p, r, 1.0 / 6)
        p = fused(p, r, 0.5)
        let q = fused(p * r, r, r)  // e^r − 1 = r + r²·(1/2 + r/6 + …)
        // 2^n: the low 9 bits of (bits + 127), shifted into the exponent field, are n + 127.
        let scale = Float(bitPattern: (shifted.bitPattern &+ 127) << 23)
        return (scale, q)
    }

    /// tanh(x). For |x| < 0.625 an odd polynomial x + x³·p(x²), p a Chebyshev fit of degree 5
    /// (relative error 6e-10); above, u/(u + 2) with u = e^{2|x|} − 1, which rounds to 1 beyond
    /// |x| ≈ 9. Within 1.5 ulp.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let a = x.magnitude
        let z = x * x
        var p: Float = 0.00229274481617814234315
        p = fused(p, z, -0.00834394551583915204801)
        p = fused(p, z, 0.0217689186510282101515)
        p = fused(p, z, -0.0539592595772045427445)
        p = fused(p, z, 0.133333035569157417657)
        p = fused(p, z, -0.333333331721403616383)
        let small = fused(x * z, p, x)
        let (scale, q) = exponential(2 * (a > 9.5 ? 9.5 : a))
        let u = fused(scale, q, scale - 1)
        let large = u / (u + 2)
        let signedLarge = x < 0 ? -large : large
        return a < 0.625 ? small : signedLarge
    }

    /// log(x) = e·ln2 + log(m), with x = m·2^e, m ∈ [√½, √2), and log(m) = 2·atanh(s),
    /// s = (m − 1)/(m + 1), |s| ≤ 0.172, by its series to s¹¹.
    @inlinable @inline(__always)
    public static func log(_ x: Float) -> Float {
        let bits = x.bitPattern
        // Bring the mantissa into [√½, √2): subtracting the bits of √½ before splitting off the
        // exponent moves the cut from 1 to √½.
        let shiftedBits = bits &- 0x3F35_04F3
        let e = Float(Int32(bitPattern: shiftedBits) >> 23)
        let m = Float(bitPattern: (shiftedBits & 0x007F_FFFF) &+ 0x3F35_04F3)
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var q: Float = 1.0 / 11
        q = fused(q, s2, 1.0 / 9)
        q = fused(q, s2, 1.0 / 7)
        q = fused(q, s2, 1.0 / 5)
        q = fused(q, s2, 1.0 / 3)
        q = fused(q, s2, 1)
        let result = e * 0.693359375 + (e * -2.12194440e-4 + 2 * s * q)
        let special: Float = x == 0 ? -.infinity : (x == .infinity ? .infinity : .nan)
        return x > 0 && x < .infinity && x >= .leastNormalMagnitude ? result : special
    }
}

/// a·b + c rounded once: a fused multiply-add, one instruction on every CPU the core targets (and
/// the same bits, computed in software, on one without).
@usableFromInline @inline(__always)
func fused(_ a: Float, _ b: Float, _ c: Float) -> Float { c.addingProduct(a, b) }
