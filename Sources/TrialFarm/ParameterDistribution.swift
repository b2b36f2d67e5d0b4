import TrainingCore

/// A distribution of W&B's sweep specification (the `distribution` key with its `min`, `max`,
/// `mu`, `sigma`, `a`, `b` and `q`), with W&B's meaning of every key as its reference
/// implementation (wandb/sweeps, `params.py`) draws it: a value is the inverse CDF of a uniform
/// number, then rounded to a multiple of `q` for the `q_` forms (half to even, as numpy rounds).
///
/// Searches work with it through the CDF as well: TPE models every parameter in the space of its
/// prior's quantiles u ∈ [0, 1], where the sweep's distribution is the uniform prior, so every
/// distribution — bounded or not, linear or logarithmic — is modelled the same way.
public struct ParameterDistribution: Sendable, Equatable {
    public enum Shape: Sendable, Equatable {
        /// Uniform on [low, high].
        case uniform(low: Double, high: Double)
        /// An integer uniform on low … high.
        case integerUniform(low: Int, high: Int)
        /// e^U with U uniform on [low, high] (`log_uniform`: min and max are natural-log exponents).
        case logUniform(low: Double, high: Double)
        /// e^−U with U uniform on [low, high] (`inv_log_uniform`: min and max are exponents).
        case inverseLogUniform(low: Double, high: Double)
        /// Normal with mean mu and standard deviation sigma.
        case normal(mu: Double, sigma: Double)
        /// e^N with N normal (mu, sigma).
        case logNormal(mu: Double, sigma: Double)
        /// Beta(a, b) on [0, 1].
        case beta(a: Double, b: Double)
    }

    /// W&B's name for it, e.g. `q_log_uniform_values`.
    public let name: String
    public let shape: Shape
    /// The `q_` forms: values rounded to a multiple of q.
    public let quantum: Double?
    /// Values are whole numbers (int_uniform, or a whole q), written without a fraction.
    public let integral: Bool
    /// The keys as written, for the resolved sweep file.
    public let fields: [(key: String, value: String)]

    public static func == (a: ParameterDistribution, b: ParameterDistribution) -> Bool {
        a.name == b.name && a.shape == b.shape && a.quantum == b.quantum && a.integral == b.integral
    }

    /// Every distribution name W&B's specification has (categorical aside, which is `values`).
    public static let names = ["constant", "categorical", "int_uniform", "uniform", "q_uniform", "log_uniform", "log_uniform_values",
                               "q_log_uniform", "q_log_uniform_values", "inv_log_uniform", "inv_log_uniform_values", "normal",
                               "q_normal", "log_normal", "q_log_normal", "beta", "q_beta"]

    /// The distribution `name` with the given keys (numbers); nil and a reason if they do not make one.
    /// Keys W&B gives defaults to (mu 0, sigma 1, a 1, b 1, q 1) may be missing.
    public static func make(_ name: String, _ numbers: [String: Double], texts: [String: String]) -> Result<ParameterDistribution, Problem> {
        func need(_ keys: String...) -> Problem? {
            let missing = keys.filter { numbers[$0] == nil }
            return missing.isEmpty ? nil : Problem(key: nil, message: "distribution \(name) needs \(missing.joined(separator: " and "))")
        }
        let quantized = name.hasPrefix("q_")
        let q = numbers["q"] ?? 1
        if quantized && !(q > 0) { return .failure(Problem(key: "q", message: "must be > 0 (got \(texts["q"] ?? "\(q)"))")) }
        let allowed: Set<String>
        let shape: Shape
        let base = quantized ? String(name.dropFirst(2)) : name
        switch base {
        case "int_uniform":
            allowed = ["min", "max"]
            if let problem = need("min", "max") { return .failure(problem) }
            guard let low = texts["min"].flatMap({ Int($0) }), let high = texts["max"].flatMap({ Int($0) }) else {
                return .failure(Problem(key: nil, message: "int_uniform needs integer min and max"))
            }
            guard low < high else { return .failure(Problem(key: "max", message: "must be > min (\(high) ≤ \(low))")) }
            shape = .integerUniform(low: low, high: high)
        case "uniform", "log_uniform", "log_uniform_values", "inv_log_uniform", "inv_log_uniform_values":
            allowed = ["min", "max", "q"]
            if let problem = need("min", "max") { return .failure(problem) }
            let low = numbers["min"]!, high = numbers["max"]!
            guard low < high else { return .failure(Problem(key: "max", message: "must be > min (\(texts["max"]!) ≤ \(texts["min"]!))")) }
            if base.hasSuffix("_values") && !(low > 0) {
                return .failure(Problem(key: "min", message: "must be > 0 for \(name) (got \(texts["min"]!))"))
            }
            switch base {
            case "uniform": shape = .uniform(low: low, high: high)
            case "log_uniform": shape = .logUniform(low: low, high: high)
            case "log_uniform_values": shape = .logUniform(low: Double.log(low), high: Double.log(high))
            case "inv_log_uniform": shape = .inverseLogUniform(low: low, high: high)
            default: shape = .inverseLogUniform(low: -Double.log(high), high: -Double.log(low))
            }
        case "normal", "log_normal":
            allowed = ["mu", "sigma", "q"]
            let sigma = numbers["sigma"] ?? 1
            guard sigma > 0 else { return .failure(Problem(key: "sigma", message: "must be > 0 (got \(texts["sigma"] ?? "\(sigma)"))")) }
            shape = base == "normal" ? .normal(mu: numbers["mu"] ?? 0, sigma: sigma) : .logNormal(mu: numbers["mu"] ?? 0, sigma: sigma)
        case "beta":
            allowed = ["a", "b", "q"]
            let a = numbers["a"] ?? 1, b = numbers["b"] ?? 1
            for (key, value) in [("a", a), ("b", b)] where !(value > 0) {
                return .failure(Problem(key: key, message: "must be > 0 (got \(texts[key] ?? "\(value)"))"))
            }
            shape = .beta(a: a, b: b)
        default:
            return .failure(Problem(key: "distribution", message: "must be one of \(names.joined(separator: ", ")) (got '\(name)')"))
        }
        if let key = numbers.keys.sorted().first(where: { !allowed.contains($0) || ($0 == "q" && !quantized) }) {
            return .failure(Problem(key: key, message: "distribution \(name) takes no \(key)"))
        }
        let wholeQuantum = quantized && q == q.rounded() && (texts["q"].map { !$0.contains(".") && !$0.contains("e") } ?? true)
        let integral: Bool = if case .integerUniform = shape { true } else { wholeQuantum }
        let fields = ["min", "max", "mu", "sigma", "a", "b", "q"].compactMap { key in texts[key].map { (key, $0) } }
        return .success(ParameterDistribution(name: name, shape: shape, quantum: quantized ? q : nil, integral: integral, fields: fields))
    }

    /// Why keys do not make a distribution: the key at fault (nil: the whole specification).
    public struct Problem: Error, Equatable {
        public let key: String?
        public let message: String
    }

    // MARK: Drawing

    /// The value at quantile u ∈ (0, 1): the inverse CDF, then the quantisation.
    public func value(atQuantile u: Double) -> Double {
        let raw: Double
        switch shape {
        case .uniform(let low, let high): raw = low + (high - low) * u
        case .integerUniform(let low, let high): raw = Double(low + min(Int(u * Double(high - low + 1)), high - low))
        case .logUniform(let low, let high): raw = Double.exp(low + (high - low) * u)
        case .inverseLogUniform(let low, let high): raw = Double.exp(-(low + (high - low) * (1 - u)))
        case .normal(let mu, let sigma): raw = mu + sigma * SpecialFunctions.normalQuantile(u)
        case .logNormal(let mu, let sigma): raw = Double.exp(mu + sigma * SpecialFunctions.normalQuantile(u))
        case .beta(let a, let b): raw = SpecialFunctions.betaQuantile(u, a: a, b: b)
        }
        guard let quantum else { return raw }
        return (raw / quantum).rounded(.toNearestOrEven) * quantum
    }

    /// The quantile of `value`, the CDF (of the distribution before quantisation), in [0, 1].
    public func quantile(of value: Double) -> Double {
        let u: Double
        switch shape {
        case .uniform(let low, let high): u = (value - low) / (high - low)
        case .integerUniform(let low, let high): u = (value.rounded() - Double(low) + 0.5) / Double(high - low + 1)
        case .logUniform(let low, let high): u = value > 0 ? (Double.log(value) - low) / (high - low) : 0
        case .inverseLogUniform(let low, let high): u = value > 0 ? 1 - (-Double.log(value) - low) / (high - low) : 0
        case .normal(let mu, let sigma): u = SpecialFunctions.normalCDF((value - mu) / sigma)
        case .logNormal(let mu, let sigma): u = value > 0 ? SpecialFunctions.normalCDF((Double.log(value) - mu) / sigma) : 0
        case .beta(let a, let b): u = SpecialFunctions.incompleteBeta(a: a, b: b, x: min(max(value, 0), 1))
        }
        return min(max(u, 0), 1)
    }

    /// The smallest and largest values it can give (infinite where unbounded).
    public var support: (low: Double, high: Double) {
        let raw: (Double, Double)
        switch shape {
        case .uniform(let low, let high): raw = (low, high)
        case .integerUniform(let low, let high): raw = (Double(low), Double(high))
        case .logUniform(let low, let high): raw = (Double.exp(low), Double.exp(high))
        case .inverseLogUniform(let low, let high): raw = (Double.exp(-high), Double.exp(-low))
        case .normal: raw = (-.infinity, .infinity)
        case .logNormal: raw = (0, .infinity)
        case .beta: raw = (0, 1)
        }
        guard let quantum, raw.0.isFinite || raw.1.isFinite else { return raw }
        let round = { (x: Double) in x.isFinite ? (x / quantum).rounded(.toNearestOrEven) * quantum : x }
        return (round(raw.0), round(raw.1))
    }

    /// A value as the text a parameter is set from: whole numbers without a fraction where the
    /// distribution is integral, otherwise the shortest exact form.
    public func text(_ value: Double) -> String {
        integral && abs(value) < 9e18 ? String(Int(value)) : "\(value)"
    }

    /// The specification as written in a resolved sweep file.
    public var description: String {
        "{distribution: \(name)" + fields.map { ", \($0.key): \($0.value)" }.joined() + "}"
    }
}
