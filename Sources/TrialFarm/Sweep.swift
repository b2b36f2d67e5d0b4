import TrainingCore

/// A sweep file: which configurations to try, and with which seeds. The layout is W&B's sweep
/// configuration with seeds added (`Sweep+Reading.swift` reads it; README "Sweep files" and the
/// W&B parity table say what each key does):
///
///     name: bptd-tuning
///     method: bayes                     # grid | random | bayes
///     run_cap: 32                       # random and bayes: draws (alias: samples)
///     sample_seed: 0                    # keys every random draw of the search
///     seeds: [0, 1, 2]                  # or {count: N} for 0 … N−1
///     metric: {name: test_acc, goal: maximize, aggregate: mean, target: 0.99}
///     grid_over: [method]               # random and bayes: crossed with every draw
///     parameters:
///       method: {values: [bptt, bptd]}
///       lr: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0e-2}
///
/// Every trial parameter except `seed` can be swept; parameters not named take their defaults.
public struct Sweep: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable { case grid, random, bayes, race }

    public enum Goal: String, Sendable, CaseIterable { case maximize, minimize }

    /// How a configuration's seeds are summed up into the one number a search ranks it by.
    public enum Aggregate: String, Sendable, CaseIterable {
        /// The mean across seeds.
        case mean
        /// The median across seeds.
        case median
        /// The pessimistic end of the 95% interval of the mean: the lower end when maximizing,
        /// the upper when minimizing — so a lucky seed cannot win.
        case ciLow = "ci_low"
    }

    /// How one parameter varies.
    public enum Specification: Sendable, Equatable {
        /// `{value: v}` (or `distribution: constant`): fixed.
        case value(String)
        /// `{values: [...]}` (or `distribution: categorical`): every value (a grid axis), or one
        /// drawn at random, with `probabilities` when given.
        case values([String], probabilities: [Double]?)
        /// A distribution to draw from (random and bayes).
        case distribution(ParameterDistribution)

        var isDistribution: Bool {
            if case .distribution = self { return true }
            return false
        }
    }

    /// `early_terminate: {type: hyperband, …}` with W&B's keys (iterations are epochs): the rungs
    /// at which successive halving prunes, and how many survive each.
    public struct EarlyTerminate: Sendable, Equatable {
        /// The first rung (W&B's min_iter), or nil when the rungs count back from `maxIter`.
        public var minIter: Int?
        /// The last epoch rungs count back from (W&B's max_iter with s): rungs at
        /// max_iter/η, max_iter/η², … (s of them).
        public var maxIter: Int?
        public var s: Int?
        /// At each rung the best 1/η go on.
        public var eta = 3.0
        /// Rank by the metric at the rung (true, W&B's default), or by each seed's best so far.
        public var strict = true
        /// How many of Hyperband's brackets to use, the most aggressive first (DepthFarm's key;
        /// default all of them, as Hyperband prescribes; 1 is plain successive halving).
        public var brackets: Int?
        public init() {}
    }

    /// `method: race` (F-Race, Birattari et al. 2002; irace, López-Ibáñez et al. 2016): seeds
    /// are the instances, every configuration alive runs seed k before any runs seed k + 1,
    /// and after each seed the statistically beaten are eliminated.
    public struct Race: Sendable, Equatable {
        public enum Test: String, Sendable, CaseIterable {
            /// Friedman's test, then Conover's comparisons with the best (irace's default, F-Race).
            case friedman
            /// Paired t-tests of each against the best by mean.
            case tTest = "t-test"
        }
        /// The first test after this many seeds (irace's firstTest: 5).
        public var firstTest = 5
        public var test = Test.friedman
        public var alpha = 0.05
        /// Races in all: after the first, each samples new candidates around the survivors
        /// (irace's iterated racing) and races them with the survivors.
        public var iterations = 1
        public init() {}
    }

    /// TPE's settings (method: bayes), Optuna's defaults where Optuna has them.
    public struct Bayes: Sendable, Equatable {
        /// Draws made at random before TPE takes over (Optuna's n_startup_trials).
        public var startup = 10
        /// Draws per generation: a generation is decided from the generations before the
        /// previous one, so that workers never wait at its boundary.
        public var generation = 4
        /// Candidates scored by expected improvement per parameter (Optuna's n_ei_candidates).
        public var candidates = 24
        public init() {}
    }

    /// Names the default output folder, `results/NAME` (`nameProblem` says which names can).
    public var name: String
    public var description: String?
    public var method: Method = .grid
    /// Random and bayes: configurations to draw (`samples`, or W&B's `run_cap`); each is crossed
    /// with the `grid_over` values and run on every seed. Race: candidates to draw (when the
    /// parameters have distributions).
    public var samples = 0
    /// Race: the most trials it may run (W&B's `run_cap`, counted in trials: a race's runs).
    public var runCap: Int?
    public var sampleSeed: UInt64 = 0
    public var seeds: [UInt64] = [0]
    /// The per-epoch metric ranked by (leaderboard, and the search's objective), at the last epoch.
    public var metric: Metric = .testAccuracy
    public var goal: Goal = .maximize
    public var aggregate: Aggregate = .mean
    /// Bayes: no new configuration is drawn once one reaches this (its `aggregate`).
    public var target: Double?
    /// Random and bayes: parameters whose values are crossed with every draw, so that the draws
    /// are compared across them on the same hyperparameters and seeds (paired).
    public var gridOver: [String] = []
    public var bayes = Bayes()
    /// Early stopping (grid, random, bayes), if any.
    public var earlyTerminate: EarlyTerminate?
    public var race = Race()
    /// The swept parameters, in the file's order.
    public var parameters: [(name: String, specification: Specification)] = []

    public init(name: String) { self.name = name }

    /// The output folder when none is given: `results/NAME`, always inside `results/` (the name
    /// was checked by `nameProblem` when the file was read).
    public var defaultFolder: String { "results/" + name }

    /// What is wrong with `name` as the name of a sweep, or nil. It names a folder inside
    /// `results/`, so it must be one path component that stays there — not empty, `.` or `..`,
    /// without `/` or `\` — and a name a shell and `depthfarm` take as a name (no leading `-`);
    /// it is printed and written into `sweep.yaml`, so it holds no control characters
    /// (`PrintableText.isUnsafe`: the YAML reader of `summarize` refuses some, a terminal acts on
    /// them); and a folder name has at most 255 bytes.
    public static func nameProblem(_ name: String) -> String? {
        let why: String? =
            if name.isEmpty { "it is empty" }
            else if name == "." || name == ".." { "it names the folder results/ itself or the one above" }
            else if let unsafe = name.unicodeScalars.first(where: PrintableText.isUnsafe) { "it holds the control character \(PrintableText.escape(unsafe))" }
            else if name.contains("/") || name.contains("\\") { "it holds a \(name.contains("/") ? "/" : "\\")" }
            else if name.hasPrefix("-") { "it starts with '-'" }
            else if name.utf8.count > 255 { "it has \(name.utf8.count) bytes" }
            else { nil }
        return why.map {
            "must name a folder inside results/: printable characters but / and \\, at most 255 bytes, not starting with '-', "
                + "not . or .. (got '\(PrintableText.escaped(name, maximumBytes: 80))': \($0))"
        }
    }

    public static func == (a: Sweep, b: Sweep) -> Bool {
        a.name == b.name && a.description == b.description && a.method == b.method && a.samples == b.samples
            && a.sampleSeed == b.sampleSeed && a.seeds == b.seeds && a.metric == b.metric && a.goal == b.goal
            && a.aggregate == b.aggregate && a.target == b.target && a.gridOver == b.gridOver && a.bayes == b.bayes
            && a.earlyTerminate == b.earlyTerminate && a.race == b.race && a.runCap == b.runCap
            && a.parameters.map(\.name) == b.parameters.map(\.name)
            && a.parameters.map(\.specification) == b.parameters.map(\.specification)
    }

    /// The fewest epochs a configuration of the sweep trains (early stopping's rungs lie before it).
    public var epochs: Int {
        let number = { (text: String) in Int(text) ?? Double(text).map { Int($0) } ?? TrialConfig().epochs }
        switch parameters.first(where: { $0.name == "epochs" })?.specification {
        case .value(let value)?: return number(value)
        case .values(let values, _)?: return values.map(number).min() ?? TrialConfig().epochs
        case .distribution(let distribution)?: return Int(distribution.support.low)
        case nil: return TrialConfig().epochs
        }
    }

    /// Metrics a sweep may rank by: the per-epoch scores.
    public static let rankableMetrics: [Metric] = [.testAccuracy, .testLoss, .trainAccuracy, .trainLoss]

    /// The goal a metric has when the file gives none: losses are minimized, accuracies maximized.
    public static func defaultGoal(_ metric: Metric) -> Goal {
        metric == .testLoss || metric == .trainLoss ? .minimize : .maximize
    }

    /// The parameters crossed with every draw (grid_over), and those drawn, in the file's order.
    var gridAxes: [(name: String, specification: Specification)] { parameters.filter { gridOver.contains($0.name) } }
    var drawnParameters: [(name: String, specification: Specification)] { parameters.filter { !gridOver.contains($0.name) } }

    /// Reads a sweep file; notes on keys it ignores go to `notes`.
    public static func load(path: String, notes: (String) -> Void = { _ in }) throws -> Sweep {
        let text = try FileSystem.readUTF8(path)
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let stem = base.split(separator: ".").first.map(String.init) ?? base
        do {
            let (sweep, found) = try read(text, source: path, defaultName: stem)
            found.forEach { notes($0) }
            return sweep
        } catch let problems as SweepProblems {
            problems.notes.forEach { notes($0) }
            throw problems
        }
    }

    /// Parses sweep YAML; errors name the file, its line where known, and the key path.
    public static func parse(_ text: String, source: String, defaultName: String = "sweep") throws -> Sweep {
        try read(text, source: source, defaultName: defaultName).sweep
    }
}

/// Everything wrong with a sweep file, one line each (a file's problems are reported together,
/// not one per run).
public struct SweepProblems: Error, CustomStringConvertible, Equatable {
    public let problems: [InputError]
    /// Notes on keys the file has that DepthFarm ignores (worth showing with the problems).
    public var notes: [String] = []
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
