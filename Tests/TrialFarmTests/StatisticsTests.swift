import Testing
@testable import TrialFarm

@Suite struct StatisticsTests {
    @Test("mean, standard deviation, standard error and extremes against hand-computed values")
    func runningStatistics() {
        var s = RunningStatistics()
        for x in [2.0, 4, 4, 4, 5, 5, 7, 9] { s.add(x) }
        // Mean 5; Σ(x − 5)² = 32; sample variance 32/7.
        #expect(s.count == 8 && s.mean == 5 && s.minimum == 2 && s.maximum == 9)
        #expect(abs(s.standardDeviation! - (32.0 / 7).squareRoot()) < 1e-15)
        #expect(abs(s.standardError! - (32.0 / 7 / 8).squareRoot()) < 1e-15)
        // 95% interval with t(0.975, 7) = 2.364624251592785.
        let (low, high) = s.confidenceInterval95!
        let half = 2.364624251592785 * (32.0 / 7 / 8).squareRoot()
        #expect(abs(low - (5 - half)) < 1e-9 && abs(high - (5 + half)) < 1e-9)
        var one = RunningStatistics()
        one.add(3)
        #expect(one.standardDeviation == nil && one.confidenceInterval95 == nil)
    }

    @Test("Student t quantiles against published values", arguments: [
        (1, 12.706204736174698), (2, 4.302652729749464), (3, 3.182446305284263), (5, 2.570581835636314),
        (7, 2.364624251592785), (10, 2.2281388519649385), (30, 2.0422724563012373), (100, 1.9839715184496334),
        (1000, 1.9623390808264074),
    ])
    func studentT(_ degrees: Int, _ expected: Double) {
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: degrees) - expected) < 1e-9 * expected)
    }

    @Test("the t distribution's CDF at known points")
    func cdf() {
        #expect(abs(StudentT.cdf(0, degreesOfFreedom: 4) - 0.5) < 1e-15)
        #expect(abs(StudentT.cdf(1, degreesOfFreedom: 1) - 0.75) < 1e-12)  // Cauchy: ½ + atan(1)/π
        #expect(abs(StudentT.cdf(2, degreesOfFreedom: 2) - (0.5 + 2 / (2 * 6.0.squareRoot()))) < 1e-12)  // ½ + t/(2√(2+t²))
    }
}
