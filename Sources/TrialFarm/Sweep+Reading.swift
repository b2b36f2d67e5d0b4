import TrainingCore
import Yams

// Reading a sweep file: W&B's sweep specification key for key (README "W&B parity"), with
// DepthFarm's additions. Every problem of a file is collected and reported together, one line
// each, naming the file, the line and the key path; keys that cannot apply here are noted.

extension Sweep {
    static let topLevelKeys = ["name", "description", "method", "samples", "run_cap", "sample_seed", "seeds", "metric", "parameters",
                               "grid_over", "bayes", "early_terminate", "race"]
    /// W&B keys about running a training script or W&B's own server: read past, with a note.
    static let ignoredKeys: [String: String] = [
        "program": "DepthFarm trains its own core; the parameters name the configuration, nothing else is run",
        "command": "DepthFarm starts no script; workers run the trial in process (`depthfarm worker`)",
        "entity": "results go to the output folder, not to a W&B server (`depthfarm export` takes them elsewhere)",
        "project": "results go to the output folder, not to a W&B server (`depthfarm export` takes them elsewhere)",
    ]
    /// Keys that a resolved sweep file (`ResolvedSweep`) adds; read past, not interpreted.
    static let resolvedKeys = ["sweep_id", "study_id", "configurations"]
    static let specificationKeys = ["value", "values", "probabilities", "distribution", "min", "max", "mu", "sigma", "a", "b", "q"]

    /// Parses sweep YAML into a sweep and notes on what it ignores; throws `SweepProblems` (or the
    /// YAML error) if anything is wrong.
    static func read(_ text: String, source: String, defaultName: String) throws -> (sweep: Sweep, notes: [String]) {
        let root = try YAMLDocument.parse(text, source: source)
        var reader = Reader(source: source)
        let sweep = reader.sweep(root, defaultName: defaultName)
        if !reader.problems.isEmpty { throw SweepProblems(problems: reader.problems, notes: reader.notes) }
        return (sweep, reader.notes)
    }

    /// Walks the YAML nodes, collecting every problem as an `InputError` at `file:line` with the key path.
    struct Reader {
        let source: String
        var problems: [InputError] = []
        var notes: [String] = []

        mutating func problem(_ node: Node, _ path: String, _ message: String) {
            problems.append(InputError(YAMLDocument.location(source, node), path.isEmpty ? message : "\(path): \(message)"))
        }

        mutating func sweep(_ root: Node, defaultName: String) -> Sweep {
            var sweep = Sweep(name: defaultName)
            guard case .mapping(let mapping) = root else {
                problem(root, "", "expected a mapping with a parameters section")
                return sweep
            }
            var seen: [String: Node] = [:]
            var goalGiven = false, runCap: Int?, samples: Int?
            for (keyNode, value) in mapping {
                let key = YAMLDocument.scalarText(keyNode) ?? ""
                if Sweep.resolvedKeys.contains(key) { continue }
                if let why = Sweep.ignoredKeys[key] {
                    notes.append("\(YAMLDocument.location(source, keyNode)): \(key): ignored: \(why)")
                    continue
                }
                guard Sweep.topLevelKeys.contains(key) else {
                    problem(keyNode, key, "unknown key (expected one of \(Sweep.topLevelKeys.joined(separator: ", ")))")
                    continue
                }
                seen[key] = value
                switch key {
                case "name":
                    guard let name = text(value, "name") else { break }
                    if let why = Sweep.nameProblem(name) { problem(value, "name", why) } else { sweep.name = name }
                case "description": sweep.description = text(value, "description")
                case "method":
                    guard let name = text(value, "method") else { break }
                    guard let method = Method(rawValue: name) else {
                        problem(value, "method", "must be grid, random, bayes or race (got '\(name)')")
                        break
                    }
                    sweep.method = method
                case "samples": samples = integer(value, "samples", in: 1...10_000_000)
                case "run_cap": runCap = integer(value, "run_cap", in: 1...10_000_000)
                case "sample_seed": unsigned(value, "sample_seed").map { sweep.sampleSeed = $0 }
                case "seeds": seeds(value).map { sweep.seeds = $0 }
                case "metric": goalGiven = metric(value, into: &sweep)
                case "parameters": sweep.parameters = parameters(value)
                case "grid_over": sweep.gridOver = gridOver(value)
                case "bayes": bayes(value).map { sweep.bayes = $0 }
                case "early_terminate": sweep.earlyTerminate = earlyTerminate(value)
                case "race": race(value).map { sweep.race = $0 }
                default: break
                }
            }
            if seen["name"] == nil, let why = Sweep.nameProblem(sweep.name) {
                // The file's own name stands in for a missing name: it must make a folder name too.
                problem(root, "name", "not given, and the file's name cannot stand in for it: \(why)")
            }
            if !goalGiven { sweep.goal = Sweep.defaultGoal(sweep.metric) }
            if sweep.method == .race {
                // A race counts its budget in trials, and draws its candidates by samples.
                sweep.samples = samples ?? 0
                sweep.runCap = runCap
            } else {
                if let samples, let runCap, samples != runCap {
                    problem(seen["run_cap"]!, "run_cap", "differs from samples (\(runCap) ≠ \(samples)); give one of them")
                }
                sweep.samples = samples ?? runCap ?? 0
            }
            check(&sweep, seen: seen, root: root)
            return sweep
        }

        /// What depends on several keys.
        mutating func check(_ sweep: inout Sweep, seen: [String: Node], root: Node) {
            let drawn = sweep.method == .random || sweep.method == .bayes
                || (sweep.method == .race && sweep.parameters.contains { $0.specification.isDistribution })
            if drawn && sweep.samples == 0 {
                problem(root, "samples", sweep.method == .race ? "a race over distributions needs samples: how many candidates to draw"
                                                              : "\(sweep.method.rawValue) search needs samples (or run_cap): how many configurations to draw")
            }
            if sweep.method == .race, let node = seen["grid_over"] {
                problem(node, "grid_over", "a race compares configurations; pair draws with random or bayes")
            }
            if sweep.method == .grid {
                for key in ["samples", "run_cap"] where seen[key] != nil {
                    problem(seen[key]!, key, "only random and bayes searches draw samples (method is grid)")
                }
                if let node = seen["grid_over"] { problem(node, "grid_over", "a grid crosses every parameter already (method is grid)") }
                for (name, specification) in sweep.parameters {
                    if case .distribution(let distribution) = specification, GridSearch.gridValueCount(distribution) == nil {
                        problem(seen["parameters"] ?? root, "parameters.\(name)", "distributions need method: random or bayes (a grid takes values, int_uniform or q_uniform)")
                    } else if case .values(_, let probabilities?) = specification, probabilities.count > 0 {
                        problem(seen["parameters"] ?? root, "parameters.\(name).probabilities", "weigh random draws; a grid runs every value")
                    }
                }
            }
            if sweep.method != .bayes, let node = seen["bayes"] { problem(node, "bayes", "settings of method: bayes (method is \(sweep.method.rawValue))") }
            if sweep.method != .race, let node = seen["race"] { problem(node, "race", "settings of method: race (method is \(sweep.method.rawValue))") }
            if sweep.method == .race, let node = seen["early_terminate"] {
                problem(node, "early_terminate", "a race eliminates configurations itself; early stopping goes with grid, random or bayes")
            }
            if sweep.method == .race && sweep.seeds.count < sweep.race.firstTest {
                problem(seen["seeds"] ?? root, "seeds", "a race tests after \(sweep.race.firstTest) seeds (race.first_test): give at least that many (\(sweep.seeds.count) given)")
            }
            checkEpochs(sweep, seen: seen, root: root)
            // A search that decides on the metric needs it at every epoch of every configuration.
            if sweep.method == .bayes || sweep.method == .race || sweep.earlyTerminate != nil,
               sweep.metric == .testAccuracy || sweep.metric == .trainAccuracy {
                let tasks: [String] = switch sweep.parameters.first(where: { $0.name == "task" })?.specification {
                case .value(let task)?: [task]
                case .values(let tasks, _)?: tasks
                default: [TrialConfig().task.rawValue]
                }
                if let silent = tasks.first(where: { !(TaskKind(rawValue: $0)?.reportsAccuracy ?? true) }) {
                    problem(seen["metric"] ?? root, "metric.name", "\(sweep.metric.rawValue) is not recorded for task \(silent), whose figure is test_loss (a search needs its metric at every epoch)")
                }
            }
            if sweep.target != nil && sweep.method != .bayes {
                notes.append("\(source): metric.target: ignored: only a bayes search stops at a target; grid and random run every trial")
            }
            for name in sweep.gridOver {
                guard let specification = sweep.parameters.first(where: { $0.name == name })?.specification else {
                    problem(seen["grid_over"]!, "grid_over", "\(name) is not among the parameters")
                    continue
                }
                if case .values(_, let probabilities) = specification, probabilities == nil { continue }
                problem(seen["grid_over"]!, "grid_over", "\(name) must be given by values, without probabilities (every value runs with every draw)")
            }
            if sweep.method == .bayes && !problems.contains(where: { $0.message.hasPrefix("parameters") }) {
                let searched = sweep.drawnParameters.filter { name, specification in
                    if case .value = specification { return false }
                    if case .values(let values, _) = specification { return values.count > 1 }
                    return true
                }
                if searched.isEmpty {
                    problem(seen["parameters"] ?? root, "parameters", "method bayes needs a parameter to search (values or a distribution, outside grid_over)")
                }
            }
            if sweep.aggregate == .ciLow && sweep.seeds.count < 2 {
                problem(seen["metric"] ?? root, "metric.aggregate", "ci_low needs at least 2 seeds (an interval of one value is undefined)")
            }
        }

        // MARK: Values

        // The key path of a value is built only for a problem: a list of a million values
        // would otherwise build a million "seeds[i]" strings.

        mutating func text(_ node: Node, _ path: @autoclosure () -> String) -> String? {
            guard let text = YAMLDocument.scalarText(node) else {
                problem(node, path(), "expected a single value, got \(kind(node))")
                return nil
            }
            return text
        }

        mutating func integer(_ node: Node, _ path: @autoclosure () -> String, in range: ClosedRange<Int>) -> Int? {
            guard let text = text(node, path()) else { return nil }
            guard let value = Int(text) else {
                problem(node, path(), "must be an integer (got '\(text)')")
                return nil
            }
            guard range.contains(value) else {
                problem(node, path(), "must be in \(range.lowerBound) … \(range.upperBound) (got \(value))")
                return nil
            }
            return value
        }

        mutating func unsigned(_ node: Node, _ path: @autoclosure () -> String) -> UInt64? {
            guard let text = text(node, path()) else { return nil }
            guard let value = UInt64(text) else {
                problem(node, path(), "must be an integer in 0 … 2^64 − 1 (got '\(text)')")
                return nil
            }
            return value
        }

        mutating func real(_ node: Node, _ path: @autoclosure () -> String) -> Double? {
            guard let text = text(node, path()) else { return nil }
            guard let value = Double(text), value.isFinite else {
                problem(node, path(), "must be a finite number (got '\(text)')")
                return nil
            }
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

        /// The keys of a mapping with their nodes; unknown keys are problems (and left out).
        mutating func mapping(_ node: Node, _ path: String, keys allowed: [String]) -> [(name: String, key: Node, value: Node)]? {
            guard case .mapping(let mapping) = node else {
                problem(node, path, "expected a mapping, got \(kind(node))")
                return nil
            }
            var fields: [(name: String, key: Node, value: Node)] = []
            var unknown = false
            for (key, value) in mapping {
                let name = YAMLDocument.scalarText(key) ?? ""
                guard allowed.contains(name) else {
                    problem(key, "\(path).\(name)", "unknown key (expected one of \(allowed.joined(separator: ", ")))")
                    unknown = true
                    continue
                }
                fields.append((name, key, value))
            }
            return unknown ? nil : fields  // what follows from an unknown key would only repeat it
        }

        /// The items of a list, not copied (a million seeds are a million nodes).
        mutating func list(_ node: Node, _ path: String) -> Node.Sequence? {
            guard case .sequence(let sequence) = node else {
                problem(node, path, "expected a list, got \(kind(node))")
                return nil
            }
            guard !sequence.isEmpty else {
                problem(node, path, "must not be empty")
                return nil
            }
            return sequence
        }

        // MARK: Sections

        mutating func seeds(_ node: Node) -> [UInt64]? {
            if case .mapping = node {
                guard let fields = mapping(node, "seeds", keys: ["count"]) else { return nil }
                guard let count = fields.first else {
                    problem(node, "seeds", "expected {count: N}")
                    return nil
                }
                return integer(count.value, "seeds.count", in: 1...1_000_000).map { (0..<UInt64($0)).map { $0 } }
            }
            guard let items = list(node, "seeds") else { return nil }
            var seeds: [UInt64] = [], seen = Set<UInt64>(minimumCapacity: items.count)
            seeds.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard let seed = unsigned(item, "seeds[\(index)]") else { continue }
                guard seen.insert(seed).inserted else {
                    problem(item, "seeds[\(index)]", "duplicate seed \(seed)")
                    continue
                }
                seeds.append(seed)
            }
            return seeds
        }

        /// Reads `metric`; returns whether it named a goal.
        mutating func metric(_ node: Node, into sweep: inout Sweep) -> Bool {
            var goalGiven = false
            for (name, _, value) in mapping(node, "metric", keys: ["name", "goal", "target", "aggregate"]) ?? [] {
                let path = "metric.\(name)"
                if name == "target" {
                    sweep.target = real(value, path)
                    continue
                }
                guard let text = text(value, path) else { continue }
                switch name {
                case "name":
                    if let found = Sweep.rankableMetrics.first(where: { $0.rawValue == text }) {
                        sweep.metric = found
                    } else {
                        problem(value, path, "must be one of \(Sweep.rankableMetrics.map(\.rawValue).joined(separator: ", ")) (got '\(text)')")
                    }
                case "goal":
                    if let goal = Goal(rawValue: text) {
                        sweep.goal = goal
                        goalGiven = true
                    } else {
                        problem(value, path, "must be maximize or minimize (got '\(text)')")
                    }
                default:
                    if let aggregate = Aggregate(rawValue: text) {
                        sweep.aggregate = aggregate
                    } else {
                        problem(value, path, "must be one of \(Aggregate.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(text)')")
                    }
                }
            }
            return goalGiven
        }

        mutating func gridOver(_ node: Node) -> [String] {
            guard let items = list(node, "grid_over") else { return [] }
            return items.enumerated().compactMap { index, item in text(item, "grid_over[\(index)]") }
        }

        mutating func bayes(_ node: Node) -> Bayes? {
            var settings = Bayes()
            for (name, _, value) in mapping(node, "bayes", keys: ["startup", "generation", "candidates"]) ?? [] {
                guard let number = integer(value, "bayes.\(name)", in: 1...100_000) else { continue }
                switch name {
                case "startup": settings.startup = number
                case "generation": settings.generation = number
                default: settings.candidates = number
                }
            }
            return settings
        }

        mutating func earlyTerminate(_ node: Node) -> EarlyTerminate? {
            guard let fields = mapping(node, "early_terminate", keys: ["type", "min_iter", "max_iter", "s", "eta", "strict", "brackets"]) else { return nil }
            var settings = EarlyTerminate()
            var good = true
            for (name, _, value) in fields {
                let path = "early_terminate.\(name)"
                switch name {
                case "type":
                    if let type = text(value, path), type != "hyperband" {
                        problem(value, path, "must be hyperband (got '\(type)')")
                        good = false
                    }
                case "min_iter": settings.minIter = integer(value, path, in: 1...1_000_000)
                case "max_iter": settings.maxIter = integer(value, path, in: 1...1_000_000)
                case "s": settings.s = integer(value, path, in: 1...100)
                case "brackets": settings.brackets = integer(value, path, in: 1...100)
                case "eta":
                    guard let eta = real(value, path) else {
                        good = false
                        break
                    }
                    guard eta > 1 else {
                        problem(value, path, "must be > 1 (got \(YAMLDocument.scalarText(value) ?? ""))")
                        good = false
                        break
                    }
                    settings.eta = eta
                default:
                    guard let flag = text(value, path) else { break }
                    guard let strict = Bool(flag) else {
                        problem(value, path, "must be true or false (got '\(flag)')")
                        break
                    }
                    settings.strict = strict
                }
            }
            if !fields.contains(where: { $0.name == "type" }) {
                problem(node, "early_terminate.type", "is needed (hyperband)")
                good = false
            }
            if settings.minIter == nil && (settings.maxIter == nil || settings.s == nil) {
                problem(node, "early_terminate", "needs min_iter, or max_iter with s (where the rungs are)")
                good = false
            }
            return good ? settings : nil
        }

        mutating func race(_ node: Node) -> Race? {
            var settings = Race()
            for (name, _, value) in mapping(node, "race", keys: ["first_test", "test", "alpha", "iterations"]) ?? [] {
                let path = "race.\(name)"
                switch name {
                case "first_test": integer(value, path, in: 2...1_000_000).map { settings.firstTest = $0 }
                case "iterations": integer(value, path, in: 1...1000).map { settings.iterations = $0 }
                case "alpha":
                    guard let alpha = real(value, path) else { break }
                    guard alpha > 0 && alpha < 1 else {
                        problem(value, path, "must be in (0, 1) (got \(alpha))")
                        break
                    }
                    settings.alpha = alpha
                default:
                    guard let text = text(value, path) else { break }
                    guard let test = Race.Test(rawValue: text) else {
                        problem(value, path, "must be friedman or t-test (got '\(text)')")
                        break
                    }
                    settings.test = test
                }
            }
            return settings
        }

        /// Early stopping's rungs must fall before the last epoch (of the configuration with the
        /// fewest, when epochs vary).
        mutating func checkEpochs(_ sweep: Sweep, seen: [String: Node], root: Node) {
            guard let early = sweep.earlyTerminate, let node = seen["early_terminate"] else { return }
            let fewest = sweep.epochs
            var good = true
            for (key, value) in [("min_iter", early.minIter), ("max_iter", early.maxIter)] {
                if let value, value > fewest {
                    problem(node, "early_terminate.\(key)", "must be at most epochs (\(value) > \(fewest))")
                    good = false
                }
            }
            if good && HyperbandSchedule(early, epochs: fewest).rungs.isEmpty {
                problem(node, "early_terminate", "gives no rung before the last epoch (\(fewest)): lower min_iter or eta, or raise s")
            }
        }

        mutating func parameters(_ node: Node) -> [(name: String, specification: Specification)] {
            guard case .mapping(let mapping) = node else {
                problem(node, "parameters", "expected a mapping of parameter names, got \(kind(node))")
                return []
            }
            var result: [(name: String, specification: Specification)] = []
            for (keyNode, value) in mapping {
                let name = YAMLDocument.scalarText(keyNode) ?? ""
                let path = "parameters.\(name)"
                if name == "seed" {
                    problem(keyNode, path, "seeds are given by the top-level seeds key")
                    continue
                }
                do {
                    try TrialConfig.checkName(name)
                } catch let error as ConfigurationError {
                    problem(keyNode, path, error.reason)
                    continue
                } catch {
                    continue
                }
                if let specification = specification(value, name: name, path: path) { result.append((name, specification)) }
            }
            return result
        }

        mutating func specification(_ node: Node, name: String, path: String) -> Specification? {
            if case .mapping(let mapping) = node, mapping.keys.contains(where: { YAMLDocument.scalarText($0) == "parameters" }) {
                problem(node, "\(path).parameters", "nested parameters are not supported: DepthFarm's parameters are flat (see the configuration reference)")
                return nil
            }
            guard let fields = mapping(node, path, keys: Sweep.specificationKeys) else { return nil }
            func field(_ key: String) -> (key: Node, value: Node)? { fields.first { $0.name == key }.map { ($0.key, $0.value) } }
            let distribution = field("distribution").flatMap { text($0.value, "\(path).distribution") }
            if let (_, value) = field("value") {
                guard fields.count == 1 || (fields.count == 2 && distribution == "constant") else {
                    problem(node, path, "value stands alone (no values, distribution, min or max)")
                    return nil
                }
                return checked(value, name: name, path: "\(path).value").map { .value($0) }
            }
            if let (_, valuesNode) = field("values") {
                let others = fields.map(\.name).filter { !["values", "probabilities", "distribution"].contains($0) }
                guard others.isEmpty, distribution == nil || distribution == "categorical" else {
                    problem(node, path, "values stands alone (with probabilities, or distribution: categorical)")
                    return nil
                }
                guard let values = checkedList(valuesNode, name: name, path: "\(path).values") else { return nil }
                guard let (_, weights) = field("probabilities") else { return .values(values, probabilities: nil) }
                return probabilities(weights, count: values.count, path: "\(path).probabilities").map { .values(values, probabilities: $0) }
            }
            if field("probabilities") != nil {
                problem(node, "\(path).probabilities", "go with values")
                return nil
            }
            guard distribution != nil || field("min") != nil || field("max") != nil else {
                problem(node, path, "expected value, values, or distribution")
                return nil
            }
            // W&B's inference for a bare {min, max}: integers make int_uniform, anything else uniform.
            let minText = field("min").flatMap { YAMLDocument.scalarText($0.value) }, maxText = field("max").flatMap { YAMLDocument.scalarText($0.value) }
            let kind = distribution ?? (minText.flatMap { Int($0) } != nil && maxText.flatMap { Int($0) } != nil ? "int_uniform" : "uniform")
            if kind == "categorical" || kind == "constant" {
                problem(node, path, "distribution \(kind) needs \(kind == "categorical" ? "values" : "value")")
                return nil
            }
            var numbers: [String: Double] = [:], texts: [String: String] = [:]
            // min and max must be values of the parameter where they bound what is drawn.
            let bounding = ["uniform", "int_uniform", "log_uniform_values", "inv_log_uniform_values"].contains(kind)
            for field in fields where field.name != "distribution" {
                let key = field.name
                if (key == "min" || key == "max") && bounding {
                    guard checked(field.value, name: name, path: "\(path).\(key)") != nil else { return nil }
                }
                guard let number = real(field.value, "\(path).\(key)") else { return nil }
                numbers[key] = number
                texts[key] = YAMLDocument.scalarText(field.value)
            }
            switch ParameterDistribution.make(kind, numbers, texts: texts) {
            case .failure(let failure):
                let at = failure.key.flatMap { key in fields.first { $0.name == key }?.value } ?? node
                problem(at, failure.key.map { "\(path).\($0)" } ?? path, failure.message)
                return nil
            case .success(let made):
                guard admits(made, name: name, node: node, path: path) else { return nil }
                return .distribution(made)
            }
        }

        /// Whether every value `distribution` can give is one parameter `name` takes.
        mutating func admits(_ distribution: ParameterDistribution, name: String, node: Node, path: String) -> Bool {
            let numbers = TrialConfig.parameter(named: name)?.numbers ?? .none
            let (low, high) = distribution.support
            let lowOpen = { if case .logNormal = distribution.shape { true } else { false } }()
            if numbers.admits(low: low, high: high, lowOpen: lowOpen, integral: distribution.integral) { return true }
            let values = TrialConfig.parameter(named: name)?.values ?? ""
            switch numbers {
            case .none:
                problem(node, path, "distribution \(distribution.name) draws numbers; \(name) takes \(values)")
            case .integers where !distribution.integral:
                problem(node, path, "distribution \(distribution.name) draws fractions; \(name) takes integers (use int_uniform, or a whole q)")
            default:
                problem(node, path, "distribution \(distribution.name) draws values from \(low) to \(high); \(name) takes \(values)")
            }
            return false
        }

        mutating func probabilities(_ node: Node, count: Int, path: String) -> [Double]? {
            guard let items = list(node, path) else { return nil }
            let weights = items.enumerated().compactMap { index, item in real(item, "\(path)[\(index)]") }
            guard weights.count == items.count else { return nil }
            guard weights.count == count else {
                problem(node, path, "\(weights.count) probabilities for \(count) values")
                return nil
            }
            guard weights.allSatisfy({ $0 >= 0 }), abs(weights.reduce(0, +) - 1) < 1e-6 else {
                problem(node, path, "must be non-negative and sum to 1 (they sum to \(weights.reduce(0, +)))")
                return nil
            }
            return weights
        }

        /// A single value, checked by setting it on a configuration.
        mutating func checked(_ node: Node, name: String, path: @autoclosure () -> String) -> String? {
            guard let value = text(node, path()) else { return nil }
            var config = TrialConfig()
            do {
                try config.set(name, to: value)
            } catch let error as ConfigurationError {
                problem(node, path(), error.reason)
                return nil
            } catch {
                return nil
            }
            return value
        }

        mutating func checkedList(_ node: Node, name: String, path: String) -> [String]? {
            guard let items = list(node, path) else { return nil }
            var values: [String] = [], seen = Set<String>()
            values.reserveCapacity(items.count)
            var good = true
            for (index, item) in items.enumerated() {
                guard let value = checked(item, name: name, path: "\(path)[\(index)]") else {
                    good = false
                    continue
                }
                // A set, not values.contains: a list of n values costs n look-ups, not n²/2
                // comparisons (200,000 values took over two minutes).
                if !seen.insert(value).inserted {
                    problem(item, "\(path)[\(index)]", "duplicate value \(value)")
                    good = false
                }
                values.append(value)
            }
            return good ? values : nil
        }
    }
}
