/// The floating-point types the training core computes in: `Float` (the default) and `Double`
/// (`precision: f64`).
///
/// Every kernel, engine and optimizer is written once, generic over `Scalar`, and the compiler
/// specialises it for both types. The elementary functions are the project's own
/// (see `Float+Scalar.swift`, `Double+Scalar.swift`) rather than the C library's, for two reasons:
/// the same trial must give the same bits on every host, whatever its libm version, and the
/// functions are branch-free so that loops over them vectorise.
public protocol Scalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable, LosslessStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// The SIMD vector the kernels work in: 256 bits (8 floats, 4 doubles).
    associatedtype Vector: SIMD where Vector.Scalar == Self
    /// The sum of a vector's lanes in a fixed order (pairwise halves), the same on every host.
    static func sum(_ v: Vector) -> Self
    /// Lane-wise max(a, b) (b where a is NaN).
    static func maximum(_ a: Vector, _ b: Vector) -> Vector
    /// Lane-wise min(|x|, 1).
    static func magnitudeAtMostOne(_ x: Vector) -> Vector
    /// e^x, within 2 ulp for arguments whose result is a normal number.
    static func exp(_ x: Self) -> Self
    /// tanh(x), within 2 ulp.
    static func tanh(_ x: Self) -> Self
    /// The natural logarithm, within 4 ulp for positive normal arguments (it only scores losses).
    static func log(_ x: Self) -> Self
    /// The type's name in configuration files (`f32` or `f64`).
    static var precisionName: String { get }
}

extension Scalar {
    /// The logistic function 1/(1 + e^−x), computed so that it neither overflows nor loses
    /// the small tail for large |x|.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Self) -> Self {
        let e = exp(-x.magnitude)  // in (0, 1]
        let positive = 1 / (1 + e)
        return x < 0 ? e / (1 + e) : positive
    }

    /// log(1 + x) for x ≥ 0, accurate also when x is tiny (Goldberg's correction: the rounding
    /// error of 1 + x is undone by scaling with x / ((1 + x) − 1)).
    @inlinable @inline(__always)
    public static func logOnePlus(_ x: Self) -> Self {
        let w = 1 + x
        let d = w - 1
        return d == 0 ? x : log(w) * (x / d)
    }

    /// The binary cross-entropy of logit `z` against target `y` ∈ {0, 1}, as PyTorch's
    /// `binary_cross_entropy_with_logits`: max(z, 0) − z·y + log(1 + e^−|z|).
    @inlinable @inline(__always)
    public static func binaryCrossEntropy(logit z: Self, target y: Self) -> Self {
        let positivePart: Self = z > 0 ? z : 0
        return positivePart - z * y + logOnePlus(exp(-z.magnitude))
    }
}
