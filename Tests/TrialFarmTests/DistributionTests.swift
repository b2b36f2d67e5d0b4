import Testing
import TrainingCore
@testable import TrialFarm

/// The sweep distributions against W&B's reference implementation (wandb/sweeps `params.py`'s
/// inverse CDFs, evaluated with scipy once for these fixtures), their ranges, and their sampler.
@Suite struct DistributionTests {
    static func distribution(_ text: String) throws -> ParameterDistribution {
        let sweep = try Sweep.parse("method: random\nsamples: 1\nparameters:\n  weight_decay: \(text)\n", source: "d.yaml")
        guard case .distribution(let distribution) = sweep.parameters[0].specification else { throw InputError("", "not a distribution") }
        return distribution
    }

    /// Each distribution's values at the quantiles 0.1, 0.5 and 0.9, by W&B's formulas in scipy.
    static let reference: [(String, [Double])] = [
        ("{distribution: uniform, min: 2, max: 5}", [2.3, 3.5, 4.7]),
        ("{distribution: q_uniform, min: 0.001, max: 10, q: 3}", [0, 6, 9]),
        ("{distribution: log_uniform, min: -3, max: 1}", [0.07427357821433388, 0.36787944117144233, 1.822118800390509]),
        ("{distribution: log_uniform_values, min: 0.001, max: 0.1}", [0.0015848931924611136, 0.010000000000000004, 0.06309573444801937]),
        ("{distribution: q_log_uniform, min: 0, max: 4, q: 2}", [2, 8, 36]),
        ("{distribution: inv_log_uniform, min: 1, max: 3}", [0.06081006262521797, 0.1353352832366127, 0.3011942119122021]),
        ("{distribution: inv_log_uniform_values, min: 0.01, max: 0.5}", [0.014787576366283143, 0.07071067811865477, 0.33812166890312073]),
        ("{distribution: log_normal, mu: -2, sigma: 0.5}", [0.07130593018129712, 0.1353352832366127, 0.25685996721683896]),
        ("{distribution: q_log_normal, mu: 3, sigma: 0.3, q: 0.5}", [13.5, 20, 29.5]),
    ]

    @Test("values at given quantiles are W&B's", arguments: reference)
    func wandbValues(_ text: String, _ expected: [Double]) throws {
        let distribution = try Self.distribution(text)
        for (u, value) in zip([0.1, 0.5, 0.9], expected) {
            #expect(abs(distribution.value(atQuantile: u) - value) <= 1e-12 * max(1, abs(value)), "\(text) at \(u)")
        }
    }

    @Test("distributions over all the reals, and the beta, on parameters that take them")
    func unboundedValues() throws {
        // momentum takes [0, 1): the beta's support; eps takes ≥ 0: the log-normal's.
        let sweep = try Sweep.parse("""
            method: random
            samples: 1
            parameters:
              alpha: {distribution: beta, a: 2, b: 5}
              clip: {distribution: q_beta, a: 0.5, b: 0.5, q: 0.1}
              eps: {distribution: log_normal, mu: -2, sigma: 0.5}
            """, source: "d.yaml")
        let values: [[Double]] = [[0.09259525891312873, 0.26444998329566005, 0.5103163065514917], [0, 0.5, 1],
                                  [0.07130593018129712, 0.1353352832366127, 0.25685996721683896]]
        for (parameter, expected) in zip(sweep.parameters, values) {
            guard case .distribution(let distribution) = parameter.specification else { Issue.record("\(parameter.name)"); continue }
            for (u, value) in zip([0.1, 0.5, 0.9], expected) {
                #expect(abs(distribution.value(atQuantile: u) - value) <= 1e-12, "\(parameter.name) at \(u)")
            }
        }
        // The normal itself, on a parameter without bounds of its own: checked through its quantile function.
        #expect(abs(SpecialFunctions.normalQuantile(0.1) * 2 + 1 - (-1.5631031310892007)) < 1e-12)
    }

    @Test("the special functions against scipy and Python's math")
    func specialFunctions() {
        #expect(abs(SpecialFunctions.normalCDF(1) - 0.8413447460685429) < 1e-15)
        #expect(abs(SpecialFunctions.normalCDF(-3.5) - 0.00023262907903552502) < 1e-18)
        #expect(abs(SpecialFunctions.normalQuantile(0.975) - 1.959963984540054) < 1e-14)
        #expect(abs(SpecialFunctions.normalQuantile(1e-10) - -6.361340902404056) < 1e-12)
        #expect(abs(SpecialFunctions.normalQuantile(0.3) - -0.5244005127080409) < 1e-14)
        #expect(abs(SpecialFunctions.betaQuantile(0.5, a: 2, b: 3) - 0.3857275681323895) < 1e-13)
        #expect(abs(SpecialFunctions.incompleteBeta(a: 0.5, b: 0.7, x: 0.3) - 0.45212784899417957) < 1e-13)
        #expect(abs(SpecialFunctions.logGamma(0.3) - 1.0957979948180752) < 1e-13)
        #expect(abs(SpecialFunctions.logGamma(7.5) - 7.534364236758734) < 1e-13)
        #expect(abs(SpecialFunctions.logGamma(120.25) - 454.2209873833582) < 1e-10)
        #expect(abs(SpecialFunctions.incompleteGammaQ(3, 2) - 0.6766764161830634) < 1e-14)
        #expect(abs(SpecialFunctions.incompleteGammaQ(0.5, 0.5) - 0.31731050786291115) < 1e-14)
    }

    /// Continuous distributions, drawn by random search: Kolmogorov–Smirnov against their CDF.
    static let continuous = ["{distribution: uniform, min: 0.1, max: 0.9}", "{distribution: log_uniform_values, min: 1.0e-5, max: 0.5}",
                             "{distribution: log_uniform, min: -9, max: -1}", "{distribution: inv_log_uniform_values, min: 0.001, max: 0.9}",
                             "{distribution: log_normal, mu: -3, sigma: 1}", "{distribution: beta, a: 0.8, b: 3}"]

    @Test("the sampler follows its distribution (Kolmogorov–Smirnov, α = 0.01)", arguments: continuous)
    func kolmogorovSmirnov(_ text: String) throws {
        let distribution = try Self.distribution(text)
        var random = RandomStream(seed: 5, purpose: .sweepSampling)
        let n = 4000
        let values = (0..<n).map { _ in Double(RandomSearch.draw(.distribution(distribution), &random))! }.sorted()
        var statistic = 0.0
        for (i, value) in values.enumerated() {
            let cdf = distribution.quantile(of: value)
            statistic = max(statistic, abs(cdf - Double(i) / Double(n)), abs(Double(i + 1) / Double(n) - cdf))
        }
        #expect(statistic < 1.628 / Double(n).squareRoot(), "D = \(statistic)")
        let (low, high) = distribution.support
        #expect(values.first! >= low && values.last! <= high)
    }

    @Test("integers and quantised values: every value a whole multiple of q, within range, evenly drawn (χ², α = 0.01)")
    func discrete() throws {
        let dice = try Self.distribution("{distribution: int_uniform, min: 1, max: 5}")
        var random = RandomStream(seed: 6, purpose: .sweepSampling)
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0..<5000 { counts[Int(RandomSearch.draw(.distribution(dice), &random))! - 1] += 1 }
        let chiSquare = counts.map { Double(($0 - 1000) * ($0 - 1000)) / 1000 }.reduce(0, +)
        #expect(chiSquare < 13.28, "χ² = \(chiSquare)")
        let quantised = try Self.distribution("{distribution: q_log_uniform_values, min: 1, max: 100, q: 5}")
        #expect(quantised.integral && quantised.support == (0, 100))
        for _ in 0..<500 {
            let text = RandomSearch.draw(.distribution(quantised), &random)
            let value = try #require(Int(text))
            #expect(value % 5 == 0 && (0...100).contains(value))
        }
        let fractional = try Self.distribution("{distribution: q_uniform, min: 0, max: 1, q: 0.25}")
        #expect(!fractional.integral && fractional.text(0.75) == "0.75")
    }

    static let refused: [(String, String)] = [
        ("hidden: {distribution: normal, mu: 32, sigma: 4}", "parameters.hidden: distribution normal draws fractions; hidden takes integers"),
        ("hidden: {distribution: q_normal, mu: 32, sigma: 4}", "parameters.hidden: distribution q_normal draws values from -inf to inf; hidden takes 1 … 65536"),
        ("lr: {distribution: normal, mu: 0.01, sigma: 0.001}", "parameters.lr: distribution normal draws values from -inf to inf; lr takes > 0"),
        ("beta1: {distribution: beta, a: 2, b: 2}", "parameters.beta1: distribution beta draws values from 0.0 to 1.0; beta1 takes [0, 1)"),
        ("method: {distribution: uniform, min: 0, max: 1}", "parameters.method.min: must be one of bptt | bptd (got '0')"),
        ("method: {distribution: log_normal}", "parameters.method: distribution log_normal draws numbers; method takes bptt | bptd"),
        ("lr: {distribution: log_normal, sigma: 0}", "parameters.lr.sigma: must be > 0 (got 0)"),
        ("lr: {distribution: q_log_uniform_values, min: 0.1, max: 1, q: -1}", "parameters.lr.q: must be > 0 (got -1)"),
        ("lr: {distribution: uniform, min: 0.1, max: 1, q: 0.1}", "parameters.lr.q: distribution uniform takes no q"),
        ("lr: {distribution: normal, min: 0.1, max: 1}", "parameters.lr.max: distribution normal takes no max"),
        ("lr: {values: [0.1, 0.2], probabilities: [0.5, 0.6]}", "parameters.lr.probabilities: must be non-negative and sum to 1"),
        ("lr: {values: [0.1, 0.2], probabilities: [1]}", "parameters.lr.probabilities: 1 probabilities for 2 values"),
        ("lr: {probabilities: [1]}", "parameters.lr.probabilities: go with values"),
        ("lr: {distribution: q_uniform, min: 0.1, max: 1}", "parameters.lr: distribution q_uniform draws values from 0.0 to 1.0; lr takes > 0"),
    ]

    @Test("distributions that cannot give the parameter's values are refused with the reason", arguments: refused)
    func refusals(_ specification: String, _ message: String) {
        #expect(throws: (any Error).self) { try Sweep.parse("method: random\nsamples: 1\nparameters:\n  \(specification)\n", source: "d.yaml") }
        do {
            _ = try Sweep.parse("method: random\nsamples: 1\nparameters:\n  \(specification)\n", source: "d.yaml")
        } catch {
            #expect(String(describing: error).contains(message), "\(error)")
        }
    }

    @Test("a bare {min, max} is int_uniform for integers and uniform otherwise, as W&B infers")
    func inference() throws {
        #expect(try Self.distribution("{min: 1, max: 10}").name == "int_uniform")
        #expect(try Self.distribution("{min: 0.001, max: 0.1}").name == "uniform")
    }
}
