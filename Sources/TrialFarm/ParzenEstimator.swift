import TrainingCore

/// The two densities of the Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio & Kégl,
/// "Algorithms for Hyper-Parameter Optimization", NeurIPS 2011) for one parameter, as Optuna's
/// univariate `_ParzenEstimator` builds them: one kernel per observation plus a prior kernel,
/// weighted by `TPE.weights` and `priorWeight`.
///
/// Numeric parameters live in the quantile space u ∈ [0, 1] of their sweep distribution (whose
/// prior is then uniform): each kernel is a normal truncated to [0, 1], its width Optuna's
/// "magic clip" rule — the larger gap to a neighbouring observation, clipped to
/// [1/min(100, 1 + kernels), 1] — and the prior kernel N(½, 1). Categorical parameters have one
/// row of category weights per kernel: `priorWeight · q_c · C / kernels` everywhere (q the
/// sweep's probabilities, uniform without them) plus 1 at the observed category.
struct ParzenEstimator {
    enum Kernels {
        case numeric(mus: [Double], sigmas: [Double])
        case categorical(rows: [[Double]])
    }

    /// The mixture's weights, the prior kernel's last.
    let weights: [Double]
    let kernels: Kernels

    static let priorWeight = 1.0

    /// For a numeric parameter, from observations u ∈ [0, 1] (oldest first).
    init(numeric observations: [Double]) {
        weights = Self.mixtureWeights(observations.count)
        let n = observations.count
        var sigmas = [Double](repeating: 1, count: n)
        if n > 0 {
            let order = observations.indices.sorted { (observations[$0], $0) < (observations[$1], $1) }
            let sorted = [0.0] + order.map { observations[$0] } + [1.0]
            var sortedSigmas = [Double](repeating: 0, count: n)
            for i in 1...n {
                let left: Double = sorted[i] - sorted[i - 1]
                let right: Double = sorted[i + 1] - sorted[i]
                sortedSigmas[i - 1] = max(left, right)
            }
            // Optuna's consider_endpoints = False: the outermost kernels look inward only.
            if sorted.count >= 4 {
                sortedSigmas[0] = sorted[2] - sorted[1]
                sortedSigmas[n - 1] = sorted[n] - sorted[n - 1]
            }
            let minimum = 1 / min(100, 1 + Double(n + 1))
            for (rank, index) in order.enumerated() { sigmas[index] = min(max(sortedSigmas[rank], minimum), 1) }
        }
        kernels = .numeric(mus: observations + [0.5], sigmas: sigmas + [1])
    }

    /// For a categorical parameter of `count` categories with prior probabilities `prior`, from
    /// the observed categories (oldest first).
    init(categorical observations: [Int], count: Int, prior: [Double]?) {
        weights = Self.mixtureWeights(observations.count)
        let kernelCount = Double(observations.count + 1)
        let base = (0..<count).map { Self.priorWeight * (prior?[$0] ?? 1 / Double(count)) * Double(count) / kernelCount }
        var rows = observations.map { observed in
            var row = base
            row[observed] += 1
            return row
        }
        rows.append(base)
        kernels = .categorical(rows: rows.map { row in
            let sum = row.reduce(0, +)
            return row.map { $0 / sum }
        })
    }

    /// The weights of the observations' kernels (Optuna's default_weights: 1 for the last 25,
    /// a ramp from 1/n for older ones) and the prior's, normalised.
    static func mixtureWeights(_ n: Int) -> [Double] {
        var weights: [Double]
        if n < 25 {
            weights = [Double](repeating: 1, count: n)
        } else {
            let rampCount = n - 25
            let ramp = (0..<rampCount).map { i in rampCount == 1 ? 1 / Double(n) : 1 / Double(n) + (1 - 1 / Double(n)) * Double(i) / Double(rampCount - 1) }
            weights = ramp + [Double](repeating: 1, count: 25)
        }
        weights.append(priorWeight)
        let sum = weights.reduce(0, +)
        return weights.map { $0 / sum }
    }

    /// A draw from the mixture: a kernel by its weight, then a value from it (for a categorical
    /// parameter, the category index as a Double).
    func sample(_ random: inout RandomStream) -> Double {
        sample(kernel: Self.pick(weights, random.nextUnit()), &random)
    }

    /// A value from one kernel.
    func sample(kernel: Int, _ random: inout RandomStream) -> Double {
        switch kernels {
        case .numeric(let mus, let sigmas):
            let (mu, sigma) = (mus[kernel], sigmas[kernel])
            let low = SpecialFunctions.normalCDF((0 - mu) / sigma), high = SpecialFunctions.normalCDF((1 - mu) / sigma)
            let p = min(max(low + (high - low) * random.nextUnit(), 1e-300), 1 - 0x1p-53)
            return min(max(mu + sigma * SpecialFunctions.normalQuantile(p), 0), 1)
        case .categorical(let rows):
            return Double(Self.pick(rows[kernel], random.nextUnit()))
        }
    }

    /// ln of the mixture's density (numeric) or probability (categorical) at `x`.
    func logDensity(_ x: Double) -> Double {
        Self.logSumExp(kernelLogDensities(x).enumerated().map { Double.log(weights[$0]) + $1 })
    }

    /// ln of each kernel's density (numeric) or probability (categorical) at `x`, unweighted.
    func kernelLogDensities(_ x: Double) -> [Double] {
        switch kernels {
        case .numeric(let mus, let sigmas):
            return mus.indices.map { i -> Double in
                let (mu, sigma) = (mus[i], sigmas[i])
                let z = (x - mu) / sigma
                let mass = SpecialFunctions.normalCDF((1 - mu) / sigma) - SpecialFunctions.normalCDF((0 - mu) / sigma)
                return -0.5 * z * z - Double.log(sigma * (2 * Double.pi).squareRoot() * max(mass, 1e-300))
            }
        case .categorical(let rows):
            let category = Int(x)
            return rows.map { Double.log(max($0[category], 1e-300)) }
        }
    }

    static func logSumExp(_ terms: [Double]) -> Double {
        let top = terms.max()!
        return top + Double.log(terms.reduce(0) { $0 + Double.exp($1 - top) })
    }

    /// The index whose cumulative weight first exceeds u ∈ [0, 1).
    static func pick(_ weights: [Double], _ u: Double) -> Int {
        var sum = 0.0
        for (index, weight) in weights.enumerated() {
            sum += weight
            if u < sum { return index }
        }
        return weights.lastIndex { $0 > 0 } ?? weights.count - 1
    }
}

/// Multivariate TPE's density over several parameters (Optuna's `_MixtureOfProductDistribution`,
/// its default for one objective): kernel i of the mixture is the product of every parameter's
/// kernel i, so a draw takes all its values from one observation's neighbourhood and the density
/// sees how parameters go together (a good lr with the clip it was good with).
struct ProductParzenEstimator {
    /// One estimator per parameter, built from the same observations in the same order (so
    /// their kernels and weights line up).
    let parameters: [ParzenEstimator]

    /// A draw: a kernel by its weight, then each parameter's value from that kernel.
    func sample(_ random: inout RandomStream) -> [Double] {
        guard let first = parameters.first else { return [] }
        let kernel = ParzenEstimator.pick(first.weights, random.nextUnit())
        return parameters.map { $0.sample(kernel: kernel, &random) }
    }

    /// ln of the mixture's density at `x` (one value per parameter).
    func logDensity(_ x: [Double]) -> Double {
        guard let first = parameters.first else { return 0 }
        var terms = first.weights.map { Double.log($0) }
        for (parameter, value) in zip(parameters, x) {
            for (kernel, density) in parameter.kernelLogDensities(value).enumerated() { terms[kernel] += density }
        }
        return ParzenEstimator.logSumExp(terms)
    }
}
