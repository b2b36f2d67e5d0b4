import TrainingCore
import Yams

/// A sweep file: which configurations to try, and with which seeds. The layout is W&B's sweep
/// configuration with seeds added:
///
///     name: seed-experiment
///     method: grid                      # grid | random
///     samples: 20                       # random: how many configurations to draw
///     sample_seed: 0                    # random: keys the draws
///     seeds: [0, 1, 2]                  # or {count: N} for 0 … N−1
///     metric: {name: test_acc, goal: maximize}
///     parameters:
///       method: {values: [bptt, bptd]}
///       hidden: {value: 32}
///       lr: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0e-2}   # random only
///
/// Every trial parameter except `seed` can be swept; parameters not named take their defaults.
public struct Sweep: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable { case grid, random }

    public enum Goal: String, Sendable, CaseIterable { case maximize, minimize }

    /// How one parameter varies.
    public enum Specification: Sendable, Equatable {
        /// `{value: v}`: fixed.
        case value(String)
        /// `{values: [...]}`: every value (grid), or one at random (random).
        case values([String])
        /// `{distribution: uniform, min, max}`: a real in [min, max).
        case uniform(min: Double, max: Double)
        /// `{distribution: log_uniform_values, min, max}`: a real whose logarithm is uniform.
        case logUniform(min: Double, max: Double)
        /// `{distribution: int_uniform, min, max}`: an integer in min … max.
        case integerUniform(min: Int, max: Int)
        /// `{distribution: categorical, values: [...]}`: one of the values at random.
        case categorical([String])

        var isRandom: Bool {
            switch self {
            case .value, .values: false
            default: true
            }
        }
    }

    public var name: String
    public var method: Method = .grid
    /// Random search: configurations to draw.
    public var samples = 0
    public var sampleSeed: UInt64 = 0
    public var seeds: [UInt64] = [0]
    /// The per-epoch metric the leaderboard ranks by, at the last epoch.
    public var metric: Metric = .testAccuracy
    public var goal: Goal = .maximize
    /// The swept parameters, in the file's order.
    public var parameters: [(name: String, specification: Specification)] = []

    public static func == (a: Sweep, b: Sweep) -> Bool {
        a.name == b.name && a.method == b.method && a.samples == b.samples && a.sampleSeed == b.sampleSeed
            && a.seeds == b.seeds && a.metric == b.metric && a.goal == b.goal
            && a.parameters.map(\.name) == b.parameters.map(\.name)
            && a.parameters.map(\.specification) == b.parameters.map(\.specification)
    }

    /// Metrics a sweep may rank by: the per-epoch scores.
    public static let rankableMetrics: [Metric] = [.testAccuracy, .testLoss, .trainAccuracy, .trainLoss]

    static let topLevelKeys = ["name", "description", "method", "samples", "sample_seed", "seeds", "metric", "parameters"]
    /// Keys that a resolved sweep file (`ResolvedSweep`) adds; read past, not interpreted.
    static let resolvedKeys = ["sweep_id", "configurations"]

    /// Reads a sweep file.
    public static func load(path: String) throws -> Sweep {
        let text = try FileSystem.readText(path)
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let stem = base.split(separator: ".").first.map(String.init) ?? base
        return try parse(text, source: path, defaultName: stem)
    }

    /// Parses sweep YAML; errors name the file, its line where known, and the key path.
    public static func parse(_ text: String, source: String, defaultName: String = "sweep") throws -> Sweep {
        let root = try YAMLDocument.parse(text, source: source)
        let reader = Reader(source: source)
        guard case .mapping(let mapping) = root else { throw reader.error(root, "", "expected a mapping with a parameters section") }
        var sweep = Sweep(name: defaultName)
        var seen = Set<String>()
        for (keyNode, value) in mapping {
            let key = YAMLDocument.scalarText(keyNode) ?? ""
            if resolvedKeys.contains(key) { continue }
            guard topLevelKeys.contains(key) else {
                throw reader.error(keyNode, key, "unknown key (expected one of \(topLevelKeys.joined(separator: ", ")))")
            }
            seen.insert(key)
            switch key {
            case "name": sweep.name = try reader.text(value, "name")
            case "description": _ = try reader.text(value, "description")
            case "method":
                let text = try reader.text(value, "method")
                guard let method = Method(rawValue: text) else { throw reader.error(value, "method", "must be grid or random (got '\(text)')") }
                sweep.method = method
            case "samples": sweep.samples = try reader.integer(value, "samples", in: 1...10_000_000)
            case "sample_seed": sweep.sampleSeed = try reader.unsigned(value, "sample_seed")
            case "seeds": sweep.seeds = try reader.seeds(value)
            case "metric": (sweep.metric, sweep.goal) = try reader.metric(value)
            case "parameters": sweep.parameters = try reader.parameters(value)
            default: break
            }
        }
        if sweep.method == .random && !seen.contains("samples") {
            throw reader.error(root, "samples", "random search needs samples: how many configurations to draw")
        }
        if sweep.method == .grid {
            if seen.contains("samples") { throw reader.error(root, "samples", "only random search draws samples (method is grid)") }
            if let random = sweep.parameters.first(where: { $0.specification.isRandom }) {
                throw reader.error(root, "parameters.\(random.name)", "distributions need method: random")
            }
        }
        return sweep
    }

    /// Walks the YAML nodes, turning every problem into an `InputError` at `file:line` with the key path.
    struct Reader {
        let source: String

        func error(_ node: Node, _ path: String, _ message: String) -> InputError {
            InputError(YAMLDocument.location(source, node), path.isEmpty ? message : "\(path): \(message)")
        }

        func text(_ node: Node, _ path: String) throws -> String {
            guard let text = YAMLDocument.scalarText(node) else { throw error(node, path, "expected a single value, got \(kind(node))") }
            return text
        }

        func integer(_ node: Node, _ path: String, in range: ClosedRange<Int>) throws -> Int {
            let text = try text(node, path)
            guard let value = Int(text) else { throw error(node, path, "must be an integer (got '\(text)')") }
            guard range.contains(value) else { throw error(node, path, "must be in \(range.lowerBound) … \(range.upperBound) (got \(value))") }
            return value
        }

        func unsigned(_ node: Node, _ path: String) throws -> UInt64 {
            let text = try text(node, path)
            guard let value = UInt64(text) else { throw error(node, path, "must be an integer in 0 … 2^64 − 1 (got '\(text)')") }
            return value
        }

        func real(_ node: Node, _ path: String) throws -> Double {
            let text = try text(node, path)
            guard let value = Double(text), value.isFinite else { throw error(node, path, "must be a finite number (got '\(text)')") }
            return value
        }

        func kind(_ node: Node) -> String {
            switch node {
            case .scalar: "a value"
            case .mapping: "a mapping"
            case .sequence: "a list"
            case .alias: "an alias"
            }
        }

        func mapping(_ node: Node, _ path: String, keys allowed: [String]) throws -> [(String, Node, Node)] {
            guard case .mapping(let mapping) = node else { throw error(node, path, "expected a mapping, got \(kind(node))") }
            return try mapping.map { key, value in
                let name = YAMLDocument.scalarText(key) ?? ""
                guard allowed.contains(name) else {
                    throw error(key, "\(path).\(name)", "unknown key (expected one of \(allowed.joined(separator: ", ")))")
                }
                return (name, key, value)
            }
        }

        func list(_ node: Node, _ path: String) throws -> [Node] {
            guard case .sequence(let sequence) = node else { throw error(node, path, "expected a list, got \(kind(node))") }
            guard !sequence.isEmpty else { throw error(node, path, "must not be empty") }
            return Array(sequence)
        }

        func seeds(_ node: Node) throws -> [UInt64] {
            if case .mapping = node {
                let fields = try mapping(node, "seeds", keys: ["count"])
                guard let count = fields.first else { throw error(node, "seeds", "expected {count: N}") }
                let n = try integer(count.2, "seeds.count", in: 1...1_000_000)
                return (0..<UInt64(n)).map { $0 }
            }
            var seeds: [UInt64] = []
            for (index, item) in try list(node, "seeds").enumerated() {
                let seed = try unsigned(item, "seeds[\(index)]")
                if seeds.contains(seed) { throw error(item, "seeds[\(index)]", "duplicate seed \(seed)") }
                seeds.append(seed)
            }
            return seeds
        }

        func metric(_ node: Node) throws -> (Metric, Goal) {
            var metric = Metric.testAccuracy, goal = Goal.maximize
            for (name, _, value) in try mapping(node, "metric", keys: ["name", "goal"]) {
                let text = try text(value, "metric.\(name)")
                if name == "name" {
                    guard let found = Sweep.rankableMetrics.first(where: { $0.rawValue == text }) else {
                        throw error(value, "metric.name", "must be one of \(Sweep.rankableMetrics.map(\.rawValue).joined(separator: ", ")) (got '\(text)')")
                    }
                    metric = found
                } else {
                    guard let found = Goal(rawValue: text) else { throw error(value, "metric.goal", "must be maximize or minimize (got '\(text)')") }
                    goal = found
                }
            }
            return (metric, goal)
        }

        func parameters(_ node: Node) throws -> [(name: String, specification: Specification)] {
            guard case .mapping(let mapping) = node else { throw error(node, "parameters", "expected a mapping of parameter names, got \(kind(node))") }
            var result: [(name: String, specification: Specification)] = []
            for (keyNode, value) in mapping {
                let name = YAMLDocument.scalarText(keyNode) ?? ""
                let path = "parameters.\(name)"
                if name == "seed" { throw error(keyNode, path, "seeds are given by the top-level seeds key") }
                do {
                    try TrialConfig.checkName(name)
                } catch let problem as ConfigurationError {
                    throw error(keyNode, path, problem.reason)
                }
                result.append((name, try specification(value, name: name, path: path)))
            }
            return result
        }

        func specification(_ node: Node, name: String, path: String) throws -> Specification {
            let fields = try mapping(node, path, keys: ["value", "values", "distribution", "min", "max"])
            func field(_ key: String) -> (Node, Node)? { fields.first { $0.0 == key }.map { ($0.1, $0.2) } }
            if let (_, value) = field("value") {
                guard fields.count == 1 else { throw error(node, path, "value stands alone (no values, distribution, min or max)") }
                return .value(try checked(value, name: name, path: "\(path).value"))
            }
            if let distribution = field("distribution") {
                let kind = try text(distribution.1, "\(path).distribution")
                switch kind {
                case "categorical":
                    guard let (_, values) = field("values") else { throw error(node, path, "a categorical distribution needs values") }
                    return .categorical(try checkedList(values, name: name, path: "\(path).values"))
                case "uniform", "log_uniform_values", "int_uniform":
                    guard let (_, minimum) = field("min"), let (_, maximum) = field("max") else {
                        throw error(node, path, "distribution \(kind) needs min and max")
                    }
                    if field("values") != nil { throw error(node, path, "distribution \(kind) takes min and max, not values") }
                    let low = try checked(minimum, name: name, path: "\(path).min")
                    let high = try checked(maximum, name: name, path: "\(path).max")
                    if kind == "int_uniform" {
                        guard let a = Int(low), let b = Int(high) else { throw error(node, path, "int_uniform needs integer min and max") }
                        guard a <= b else { throw error(maximum, "\(path).max", "must be ≥ min (\(b) < \(a))") }
                        return .integerUniform(min: a, max: b)
                    }
                    guard let a = Double(low), let b = Double(high) else { throw error(node, path, "\(kind) needs numeric min and max") }
                    guard a < b else { throw error(maximum, "\(path).max", "must be > min (\(high) ≤ \(low))") }
                    if kind == "log_uniform_values" {
                        guard a > 0 else { throw error(minimum, "\(path).min", "must be > 0 for log_uniform_values (got \(low))") }
                        return .logUniform(min: a, max: b)
                    }
                    return .uniform(min: a, max: b)
                default:
                    throw error(distribution.1, "\(path).distribution",
                                "must be uniform, log_uniform_values, int_uniform or categorical (got '\(kind)')")
                }
            }
            if let (_, values) = field("values") {
                guard fields.count == 1 else { throw error(node, path, "values stands alone unless distribution is categorical") }
                return .values(try checkedList(values, name: name, path: "\(path).values"))
            }
            throw error(node, path, "expected value, values, or distribution")
        }

        /// A single value, checked by setting it on a configuration.
        func checked(_ node: Node, name: String, path: String) throws -> String {
            let value = try text(node, path)
            var config = TrialConfig()
            do {
                try config.set(name, to: value)
            } catch let problem as ConfigurationError {
                throw error(node, path, problem.reason)
            }
            return value
        }

        func checkedList(_ node: Node, name: String, path: String) throws -> [String] {
            var values: [String] = []
            for (index, item) in try list(node, path).enumerated() {
                let value = try checked(item, name: name, path: "\(path)[\(index)]")
                if values.contains(value) { throw error(item, "\(path)[\(index)]", "duplicate value \(value)") }
                values.append(value)
            }
            return values
        }
    }
}
