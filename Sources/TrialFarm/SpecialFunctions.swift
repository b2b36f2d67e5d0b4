import TrainingCore

/// The functions the sweep distributions and TPE need — the normal distribution's CDF and its
/// inverse, log Γ, the regularised incomplete gamma and beta functions — built on the project's
/// own exp and log, so that a search proposes the same numbers on every host (a coordinator
/// restarted elsewhere replays the same decisions).
enum SpecialFunctions {
    /// Φ(x), the standard normal CDF: ½·erfc(−x/√2).
    static func normalCDF(_ x: Double) -> Double {
        let z = x / 2.0.squareRoot()
        return z >= 0 ? 1 - 0.5 * erfc(z) : 0.5 * erfc(-z)
    }

    /// erfc(z) for z ≥ 0, as Q(½, z²).
    static func erfc(_ z: Double) -> Double {
        precondition(z >= 0)
        return z == 0 ? 1 : incompleteGammaQ(0.5, z * z)
    }

    /// Φ⁻¹(p), 0 < p < 1: Wichura's algorithm AS 241 (PPND16, "The percentage points of the
    /// normal distribution", Applied Statistics 37, 1988), accurate to about 1e-16.
    static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            return q * poly(r, [3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
                                45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727])
                / poly(r, [1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867,
                           39307.89580009271061, 28729.085735721942674, 5226.495278852545925])
        }
        var r = q < 0 ? p : 1 - p
        r = (-Double.log(r)).squareRoot()
        let value: Double
        if r <= 5 {
            r -= 1.6
            value = poly(r, [1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
                             1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4])
                / poly(r, [1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459,
                           0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9])
        } else {
            r -= 5
            value = poly(r, [6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
                             0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7])
                / poly(r, [1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4,
                           1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15])
        }
        return q < 0 ? -value : value
    }

    /// c₀ + c₁x + c₂x² + …, by Horner's rule.
    private static func poly(_ x: Double, _ coefficients: [Double]) -> Double {
        coefficients.reversed().reduce(0) { $0 * x + $1 }
    }

    /// ln Γ(x) for x > 0: Lanczos' approximation (g = 7, 9 terms; about 1e-15), with the
    /// reflection Γ(x)Γ(1−x) = π/sin(πx) unneeded since x > 0 (x < ½ is shifted by Γ(x+1) = xΓ(x)).
    static func logGamma(_ x: Double) -> Double {
        precondition(x > 0)
        if x < 0.5 { return logGamma(x + 1) - Double.log(x) }
        let c: [Double] = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
                           -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
                           1.5056327351493116e-7]
        let z = x - 1
        var sum = c[0]
        for i in 1..<9 { sum += c[i] / (z + Double(i)) }
        let t = z + 7.5
        return 0.5 * Double.log(2 * Double.pi) + (z + 0.5) * Double.log(t) - t + Double.log(sum)
    }

    /// Q(a, x) = Γ(a, x)/Γ(a), the regularised upper incomplete gamma function, for a > 0, x ≥ 0:
    /// by its series below a + 1 and its continued fraction (Lentz) above, as in Numerical
    /// Recipes' gser and gcf.
    static func incompleteGammaQ(_ a: Double, _ x: Double) -> Double {
        if x <= 0 { return 1 }
        let front = Double.exp(-x + a * Double.log(x) - logGamma(a))
        if x < a + 1 {
            var term = 1 / a, sum = term, n = a
            for _ in 0..<10_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return 1 - sum * front
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) < 1e-16 { break }
        }
        return front * h
    }

    /// I_x(a, b), the regularised incomplete beta function (the beta distribution's CDF).
    static func incompleteBeta(a: Double, b: Double, x: Double) -> Double {
        StudentT.incompleteBeta(a: a, b: b, x: x, logBeta: logGamma(a) + logGamma(b) - logGamma(a + b))
    }

    /// The p-quantile of the beta distribution, by bisection on I_x(a, b) (monotone in x).
    static func betaQuantile(_ p: Double, a: Double, b: Double) -> Double {
        let logBeta = logGamma(a) + logGamma(b) - logGamma(a + b)
        var low = 0.0, high = 1.0
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if StudentT.incompleteBeta(a: a, b: b, x: middle, logBeta: logBeta) < p { low = middle } else { high = middle }
            if high - low <= 1e-15 { break }
        }
        return (low + high) / 2
    }
}
