// Double's elementary functions for the training core: the algorithms of `Float+Scalar.swift`
// with constants and polynomial degrees for double precision.

extension Double: Scalar {
    public typealias Vector = SIMD4<Double>

    public static var precisionName: String { "f64" }

    @inlinable @inline(__always)
    public static func sum(_ v: SIMD4<Double>) -> Double {
        let two = v.lowHalf + v.highHalf
        return two[0] + two[1]
    }

    // A compare and a blend, written on the concrete vector type: the standard library's
    // `pointwiseMax`/`pointwiseMin` are out-of-line calls, and the same blends written generically
    // were not vectorised (measured: either made the snr weighting's pass several times slower).
    @inlinable @inline(__always)
    public static func maximum(_ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> {
        a.replacing(with: b, where: b .> a)
    }

    @inlinable @inline(__always)
    public static func magnitudeAtMostOne(_ x: SIMD4<Double>) -> SIMD4<Double> {
        var r = x.replacing(with: -x, where: x .< 0)
        r.replace(with: 1, where: r .> 1)
        return r
    }

    /// e^x by Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, and the Taylor polynomial of
    /// degree 13 for e^r (truncation error 4e-18), with fused multiply-adds. The input is clamped
    /// to [−708, 709].
    @inlinable @inline(__always)
    public static func exp(_ x: Double) -> Double {
        let (scale, q) = exponential(x)
        return fused(scale, q, scale)
    }

    /// e^x as 2^n·(1 + q), q = e^r − 1 (see `exp`).
    @inlinable @inline(__always)
    static func exponential(_ x: Double) -> (scale: Double, q: Double) {
        var x = x
        x = x < -708 ? -708 : x
        x = x > 709 ? 709 : x
        let shifted = fused(x, 1.44269504088896338700e+00, 6_755_399_441_055_744)  // 1.5·2^52
        let n = shifted - 6_755_399_441_055_744
        // ln2 = 6.93147180369123816490e-01 + 1.90821492927058770002e-10 (fdlibm's split)
        let r = fused(n, -1.90821492927058770002e-10, fused(n, -6.93147180369123816490e-01, x))
        var p: Double = 1.0 / 6_227_020_800
        p = fused(p, r, 1.0 / 479_001_600)
        p = fused(p, r, 1.0 / 39_916_800)
        p = fused(p, r, 1.0 / 3_628_800)
        p = fused(p, r, 1.0 / 362_880)
        p = fused(p, r, 1.0 / 40320)
        p = fused(p, r, 1.0 / 5040)
        p = fused(p, r, 1.0 / 720)
        p = fused(p, r, 1.0 / 120)
        p = fused(p, r, 1.0 / 24)
        p = fused(p, r, 1.0 / 6)
        p = fused(p, r, 0.5)
        let q = fused(p * r, r, r)  // e^r − 1
        let scale = Double(bitPattern: (shifted.bitPattern &+ 1023) << 52)
        return (scale, q)
    }

    /// tanh(x). For |x| < 0.625 an odd polynomial x + x³·p(x²), p a Chebyshev fit of degree 11
    /// (relative error 1.5e-18); above, u/(u + 2) with u = e^{2|x|} − 1, which rounds to 1 beyond
    /// |x| ≈ 19.
    @inlinable @inline(__always)
    public static func tanh(_ x: Double) -> Double {
        let a = x.magnitude
        let z = x * x
        var p: Double = 0.00000648516348279311314997
        p = fused(p, z, -0.0000312011014257974000326)
        p = fused(p, z, 0.0000925711612955676827068)
        p = fused(p, z, -0.000237590649605556195509)
        p = fused(p, z, 0.000589660657775704334703)
        p = fused(p, z, -0.00145577541204780551036)
        p = fused(p, z, 0.00359212175115496226949)
        p = fused(p, z, -0.00886323510324087792496)
        p = fused(p, z, 0.0218694885190083057558)
        p = fused(p, z, -0.0539682539678969916896)
        p = fused(p, z, 0.133333333333330416022)
        p = fused(p, z, -0.333333333333333329379)
        let small = fused(x * z, p, x)
        let (scale, q) = exponential(2 * (a > 20 ? 20 : a))
        let u = fused(scale, q, scale - 1)
        let large = u / (u + 2)
        let signedLarge = x < 0 ? -large : large
        return a < 0.625 ? small : signedLarge
    }

    /// log(x) = e·ln2 + 2·atanh(s) as for Float, with the series to s²³.
    @inlinable @inline(__always)
    public static func log(_ x: Double) -> Double {
        let bits = x.bitPattern
        let shiftedBits = bits &- 0x3FE6_A09E_667F_3BCD  // the bits of √½
        let e = Double(Int64(bitPattern: shiftedBits) >> 52)
        let m = Double(bitPattern: (shiftedBits & 0x000F_FFFF_FFFF_FFFF) &+ 0x3FE6_A09E_667F_3BCD)
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var q: Double = 1.0 / 23
        q = fused(q, s2, 1.0 / 21)
        q = fused(q, s2, 1.0 / 19)
        q = fused(q, s2, 1.0 / 17)
        q = fused(q, s2, 1.0 / 15)
        q = fused(q, s2, 1.0 / 13)
        q = fused(q, s2, 1.0 / 11)
        q = fused(q, s2, 1.0 / 9)
        q = fused(q, s2, 1.0 / 7)
        q = fused(q, s2, 1.0 / 5)
        q = fused(q, s2, 1.0 / 3)
        q = fused(q, s2, 1)
        let result = e * 6.93147180369123816490e-01 + (e * 1.90821492927058770002e-10 + 2 * s * q)
        let special: Double = x == 0 ? -.infinity : (x == .infinity ? .infinity : .nan)
        return x > 0 && x < .infinity && x >= .leastNormalMagnitude ? result : special
    }
}

/// a·b + c rounded once: a fused multiply-add, one instruction on every CPU the core targets (and
/// the same bits, computed in software, on one without).
@usableFromInline @inline(__always)
func fused(_ a: Double, _ b: Double, _ c: Double) -> Double { c.addingProduct(a, b) }
