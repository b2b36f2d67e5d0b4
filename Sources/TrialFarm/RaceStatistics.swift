/// The statistical tests of a race (F-Race: Birattari, Stützle, Paquete & Varrentrapp, "A Racing
/// Algorithm for Configuring Metaheuristics", GECCO 2002; as irace implements them): blocks are
/// seeds, treatments are configurations, a larger value better after `Sweep.Goal` is applied.
public enum RaceStatistics {
    /// What a test says of one configuration.
    public struct Verdict: Equatable, Sendable {
        /// Configurations (by position in the input) statistically worse than the best.
        public var eliminated: [Int]
        /// The test's p-value (Friedman: of the whole test; t-tests: each eliminated one's, in order).
        public var pValues: [Double]
    }

    /// Ranks within each block, 1 = best (the largest value), ties sharing the mean of their ranks.
    /// `values[configuration][block]`.
    static func ranks(_ values: [[Double]]) -> [[Double]] {
        let k = values.count, n = values.first?.count ?? 0
        var ranks = [[Double]](repeating: [Double](repeating: 0, count: n), count: k)
        for block in 0..<n {
            let order = (0..<k).sorted { values[$0][block] > values[$1][block] }
            var start = 0
            while start < k {
                var end = start
                while end + 1 < k && values[order[end + 1]][block] == values[order[start]][block] { end += 1 }
                let shared = Double(start + end + 2) / 2
                for position in start...end { ranks[order[position]][block] = shared }
                start = end + 1
            }
        }
        return ranks
    }

    /// Friedman's statistic for ranks with ties (Conover, "Practical Nonparametric Statistics",
    /// 1999): T = (k − 1)·Σ_j (R_j − n(k + 1)/2)² / (A − C), A = Σ r², C = n·k·(k + 1)²/4,
    /// χ² with k − 1 degrees of freedom; with its p-value and the pieces the comparisons need.
    public static func friedman(_ values: [[Double]]) -> (statistic: Double, pValue: Double, rankSums: [Double], a: Double, c: Double) {
        let r = ranks(values)
        let k = Double(values.count), n = Double(values.first?.count ?? 0)
        let sums = r.map { $0.reduce(0, +) }
        let a = r.flatMap { $0 }.map { $0 * $0 }.reduce(0, +)
        let c = n * k * (k + 1) * (k + 1) / 4
        guard a > c else { return (0, 1, sums, a, c) }  // every block tied throughout
        let statistic = (k - 1) * sums.map { ($0 - n * (k + 1) / 2) * ($0 - n * (k + 1) / 2) }.reduce(0, +) / (a - c)
        return (statistic, SpecialFunctions.incompleteGammaQ((k - 1) / 2, statistic / 2), sums, a, c)
    }

    /// Friedman's test at `alpha`, then Conover's comparisons of each configuration's rank sum
    /// with the best's: eliminated where R_j − R_best > t_{1−α/2,(n−1)(k−1)}·√(2n(A − C)(1 − T/(n(k − 1))) / ((n − 1)(k − 1))).
    public static func friedmanRace(_ values: [[Double]], alpha: Double) -> Verdict {
        let k = values.count, n = values.first?.count ?? 0
        guard k >= 2, n >= 2 else { return Verdict(eliminated: [], pValues: []) }
        let (statistic, p, sums, a, c) = friedman(values)
        guard p < alpha else { return Verdict(eliminated: [], pValues: []) }
        let best = sums.indices.min { (sums[$0], $0) < (sums[$1], $1) }!
        let df = (n - 1) * (k - 1)
        let t = StudentT.quantile(1 - alpha / 2, degreesOfFreedom: df)
        let spread = (2 * Double(n) * (a - c) * (1 - statistic / (Double(n) * Double(k - 1))) / Double(df)).squareRoot()
        let eliminated = sums.indices.filter { sums[$0] - sums[best] > t * spread }
        return Verdict(eliminated: eliminated, pValues: eliminated.map { _ in p })
    }

    /// Paired t-tests of each configuration against the best by mean, at `alpha` (two-sided);
    /// eliminated where the best is significantly better.
    public static func tTestRace(_ values: [[Double]], alpha: Double) -> Verdict {
        let k = values.count, n = values.first?.count ?? 0
        guard k >= 2, n >= 2 else { return Verdict(eliminated: [], pValues: []) }
        let means = values.map { $0.reduce(0, +) / Double(n) }
        let best = means.indices.max { (means[$0], -$0) < (means[$1], -$1) }!
        var verdict = Verdict(eliminated: [], pValues: [])
        for j in values.indices where j != best {
            var differences = RunningStatistics()
            for block in 0..<n { differences.add(values[best][block] - values[j][block]) }
            guard differences.mean > 0 else { continue }
            let sem = differences.standardError ?? 0
            let p = sem > 0 ? 2 * (1 - StudentT.cdf(differences.mean / sem, degreesOfFreedom: n - 1)) : 0
            if p < alpha {
                verdict.eliminated.append(j)
                verdict.pValues.append(p)
            }
        }
        return verdict
    }
}
