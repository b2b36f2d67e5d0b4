import Synchronization
import TrainingCore

/// Mean, spread and extremes of a stream of values, by Welford's method (one pass, stable).
public struct RunningStatistics: Sendable, Equatable {
    public private(set) var count = 0
    public private(set) var mean = 0.0
    /// Σ (x − mean)², updated as values arrive.
    private var squaredDeviations = 0.0
    public private(set) var minimum = Double.infinity
    public private(set) var maximum = -Double.infinity

    public init() {}

    public mutating func add(_ x: Double) {
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        squaredDeviations += delta * (x - mean)
        minimum = min(minimum, x)
        maximum = max(maximum, x)
    }

    /// The sample standard deviation (n − 1 in the denominator); nil below two values.
    public var standardDeviation: Double? { count > 1 ? (squaredDeviations / Double(count - 1)).squareRoot() : nil }

    /// The standard error of the mean; nil below two values.
    public var standardError: Double? { standardDeviation.map { $0 / Double(count).squareRoot() } }

    /// The 95% confidence interval of the mean from Student's t with n − 1 degrees of freedom;
    /// nil below two values.
    /// The one interval of the project: summary.csv, the leaderboard and the report all use it.
    public var confidenceInterval95: (low: Double, high: Double)? {
        guard let sem = standardError else { return nil }
        let half = StudentT.quantile975(degreesOfFreedom: count - 1) * sem
        return (mean - half, mean + half)
    }
}

/// Student's t distribution: the quantile the confidence intervals need, computed from the
/// regularised incomplete beta function with the project's own exp and log (so summaries are the
/// same on every host).
public enum StudentT {
    /// The 0.975-quantile for ν degrees of freedom, computed once per ν (a summary asks for the
    /// same few thousands of times).
    public static func quantile975(degreesOfFreedom ν: Int) -> Double {
        if let known = cache975.withLock({ $0[ν] }) { return known }
        let value = quantile(0.975, degreesOfFreedom: ν)
        cache975.withLock { $0[ν] = value }
        return value
    }

    private static let cache975 = Mutex<[Int: Double]>([:])

    /// The p-quantile (0.5 < p < 1) for ν degrees of freedom, to about 1e-12.
    public static func quantile(_ p: Double, degreesOfFreedom ν: Int) -> Double {
        precondition(p > 0.5 && p < 1 && ν >= 1)
        // Bisection on the CDF: monotone, and the quantile lies below 1e4 for every ν ≥ 1 and p ≤ 0.9999.
        let logBeta = logBeta(ν)
        var low = 0.0, high = 1e4
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if cdf(middle, degreesOfFreedom: ν, logBeta: logBeta) < p { low = middle } else { high = middle }
            if high - low <= 1e-13 * high { break }
        }
        return (low + high) / 2
    }

    /// P(T ≤ t) for t ≥ 0: 1 − ½·I_{ν/(ν+t²)}(ν/2, ½).
    public static func cdf(_ t: Double, degreesOfFreedom ν: Int) -> Double {
        cdf(t, degreesOfFreedom: ν, logBeta: logBeta(ν))
    }

    static func cdf(_ t: Double, degreesOfFreedom ν: Int, logBeta: Double) -> Double {
        let n = Double(ν)
        return 1 - 0.5 * incompleteBeta(a: n / 2, b: 0.5, x: n / (n + t * t), logBeta: logBeta)
    }

    /// ln B(ν/2, ½) = ln Γ(ν/2) + ln Γ(½) − ln Γ((ν+1)/2), with Γ at half-integers by recurrence.
    static func logBeta(_ ν: Int) -> Double {
        logGammaHalf(ν) + logGammaHalf(1) - logGammaHalf(ν + 1)
    }

    /// ln Γ(n/2) for a positive integer n: Γ(1) = 1, Γ(½) = √π, Γ(x + 1) = x·Γ(x).
    static func logGammaHalf(_ n: Int) -> Double {
        var x = n % 2 == 0 ? 1.0 : 0.5
        var sum = n % 2 == 0 ? 0.0 : 0.5 * Double.log(Double.pi)
        while x < Double(n) / 2 {
            sum += Double.log(x)
            x += 1
        }
        return sum
    }

    /// The regularised incomplete beta function I_x(a, b) by its continued fraction (Lentz's
    /// method, as in Numerical Recipes' betacf), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
    /// where the fraction converges slowly.
    static func incompleteBeta(a: Double, b: Double, x: Double, logBeta: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let front = Double.exp(a * Double.log(x) + b * Double.log(1 - x) - logBeta)
        if x < (a + 1) / (a + b + 2) { return front * continuedFraction(a: a, b: b, x: x) / a }
        return 1 - front * continuedFraction(a: b, b: a, x: 1 - x) / b
    }

    private static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...10_000 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d
            c = 1 + even / c
            if abs(d) < tiny { d = tiny }
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d
            c = 1 + odd / c
            if abs(d) < tiny { d = tiny }
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            result *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return result
    }
}
