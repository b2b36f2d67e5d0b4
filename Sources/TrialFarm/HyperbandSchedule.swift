/// Hyperband's arithmetic (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, "Hyperband: A Novel
/// Bandit-Based Approach to Hyperparameter Optimization", JMLR 2018) over epochs: the rungs from
/// W&B's `early_terminate` keys, and the brackets — how many configurations each starts with and
/// how many survive each of its rungs.
///
/// Rungs are W&B's bands: min_iter, min_iter·η, min_iter·η², … — or max_iter/η, max_iter/η², …
/// (s of them) — each cut to a whole epoch, those before the last epoch R. With k rungs there are
/// k + 1 brackets s = k … 0: bracket s meets the last s rungs, starting n_s = ⌈(k + 1)/(s + 1)·η^s⌉
/// configurations, keeping ⌊n/η⌋ of the n that reach each rung (at least one); bracket 0 trains
/// its configurations fully. For R = 81, η = 3 and min_iter 1 this is the paper's Table 1.
public struct HyperbandSchedule: Sendable, Equatable {
    public struct Bracket: Sendable, Equatable {
        /// Hyperband's s: how many rungs the bracket meets.
        public let s: Int
        /// Configurations it starts with.
        public let configurations: Int
        /// The epochs at which it halves, ascending.
        public let rungs: [Int]
    }

    /// The epochs at which a configuration may be stopped, ascending, all before `epochs`.
    public let rungs: [Int]
    public let eta: Double
    /// The configurations' epochs (R).
    public let epochs: Int
    /// From the most aggressive (every rung) to bracket 0 (none).
    public let brackets: [Bracket]

    public init(_ settings: Sweep.EarlyTerminate, epochs: Int) {
        self.epochs = epochs
        eta = settings.eta
        var bands: [Int] = []
        if let minimum = settings.minIter {
            var band = Double(minimum)
            while band < Double(epochs) && bands.count < 100 {
                bands.append(Int(band))
                band *= settings.eta
            }
        } else if let maximum = settings.maxIter, let s = settings.s {
            var band = Double(maximum)
            for _ in 0..<s {
                band /= settings.eta
                if band < 1 { break }
                bands.append(Int(band))
            }
        }
        let rungs = Array(Set(bands.filter { $0 >= 1 && $0 < epochs })).sorted()
        self.rungs = rungs
        let k = rungs.count
        let all = stride(from: k, through: 0, by: -1).map { s in
            let n = (Double(k + 1) / Double(s + 1) * Self.power(settings.eta, s)).rounded(.up)
            return Bracket(s: s, configurations: Int(n), rungs: Array(rungs.suffix(s)))
        }
        brackets = Array(all.prefix(settings.brackets ?? all.count))
    }

    /// How many of `count` configurations reaching a rung go on.
    public func survivors(of count: Int) -> Int { max(1, Int((Double(count) / eta).rounded(.down))) }

    static func power(_ base: Double, _ exponent: Int) -> Double { (0..<exponent).reduce(1) { product, _ in product * base } }
}
