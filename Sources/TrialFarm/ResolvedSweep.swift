import TrainingCore
import Yams

/// `sweep.yaml` in the output folder: the sweep as given, with seeds spelled out and defaults
/// made explicit, plus its ids and every configuration the file alone determines, all defaults
/// filled (a bayes search's later ones are in the journal). `Sweep.parse` reads it back (for
/// `summarize` and on resume), and the ids tell whether a folder holds this sweep.
public enum ResolvedSweep {
    public static func yaml(_ plan: SweepPlan) -> String {
        let sweep = plan.sweep
        var text = "# The sweep as resolved by depthfarm \(DepthFarmVersion.current); read back by `depthfarm summarize` and on resume.\n"
        text += "name: \(scalar(sweep.name))\n"
        if let description = sweep.description { text += "description: \(scalar(description))\n" }
        text += "method: \(sweep.method.rawValue)\n"
        if sweep.method != .grid {
            // A race over a grid draws no samples.
            if sweep.samples > 0 { text += "samples: \(sweep.samples)\n" }
            text += "sample_seed: \(sweep.sampleSeed)\n"
        }
        text += "seeds: [\(sweep.seeds.map(String.init).joined(separator: ", "))]\n"
        if !sweep.gridOver.isEmpty { text += "grid_over: [\(sweep.gridOver.map(scalar).joined(separator: ", "))]\n" }
        for (key, flow) in searchSettings(sweep) { text += "\(key): \(flow)\n" }
        if sweep.method == .race, let runCap = sweep.runCap { text += "run_cap: \(runCap)\n" }
        text += "parameters:\n"
        if sweep.parameters.isEmpty { text.removeLast(); text += " {}\n" }
        for (name, specification) in sweep.parameters {
            text += "  \(name): \(describe(specification))\n"
        }
        text += "sweep_id: \(plan.sweepID)\nstudy_id: \(plan.studyID)\n"
        text += "# Every configuration the file determines, all defaults filled, by config_id.\nconfigurations:\n"
        if plan.plannedConfigurations == 0 { text.removeLast(); text += " {}\n" }
        for index in 0..<plan.plannedConfigurations {
            let fields = plan.configurations[index].parameterValues.filter { $0.name != "seed" }.map { "\($0.name): \(scalar($0.value.description))" }
            text += "  \(SweepPlan.hex(plan.configurationIDs[index])): {\(fields.joined(separator: ", "))}\n"
        }
        return text
    }

    /// The settings that decide what a search does with results, as flow mappings by key: the
    /// metric, and those of bayes, race and early_terminate where they apply.
    static func searchSettings(_ sweep: Sweep) -> [(key: String, flow: String)] {
        var settings = [("metric", "{name: \(sweep.metric.rawValue), goal: \(sweep.goal.rawValue), aggregate: \(sweep.aggregate.rawValue)"
                         + (sweep.target.map { ", target: \($0)" } ?? "") + "}")]
        if sweep.method == .bayes {
            let bayes = sweep.bayes
            settings.append(("bayes", "{startup: \(bayes.startup), generation: \(bayes.generation), candidates: \(bayes.candidates)}"))
        }
        if sweep.method == .race {
            let race = sweep.race
            settings.append(("race", "{first_test: \(race.firstTest), test: \(race.test.rawValue), alpha: \(race.alpha), iterations: \(race.iterations)}"))
        }
        if let early = sweep.earlyTerminate {
            let keys = [("min_iter", early.minIter), ("max_iter", early.maxIter), ("s", early.s), ("brackets", early.brackets)]
                .compactMap { key, value in value.map { "\(key): \($0)" } }
            settings.append(("early_terminate", "{type: hyperband, \((keys + ["eta: \(early.eta)", "strict: \(early.strict)"]).joined(separator: ", "))}"))
        }
        return settings
    }

    /// The `key: value` line of a resolved sweep file (`sweep_id`, `study_id`).
    public static func field(_ key: String, ofFile path: String) throws -> String {
        let text = try FileSystem.readText(path)
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("\(key): ") }) else {
            throw InputError(path, "has no \(key): not a resolved sweep")
        }
        return String(line.dropFirst(key.count + 2))
    }

    /// The `sweep_id` recorded in a resolved sweep file.
    public static func sweepID(ofFile path: String) throws -> String { try field("sweep_id", ofFile: path) }

    static func describe(_ specification: Sweep.Specification) -> String {
        switch specification {
        case .value(let value): "{value: \(scalar(value))}"
        case .values(let values, nil): "{values: [\(values.map(scalar).joined(separator: ", "))]}"
        case .values(let values, let probabilities?):
            "{values: [\(values.map(scalar).joined(separator: ", "))], probabilities: [\(probabilities.map { "\($0)" }.joined(separator: ", "))]}"
        case .distribution(let distribution): distribution.description
        }
    }

    /// A YAML scalar that reads back as the same text: plain when safe, double-quoted otherwise,
    /// with control characters as escapes (a YAML reader refuses most of them raw in a file: a
    /// description holding one would make the folder unreadable to `summarize`).
    static func scalar(_ text: String) -> String {
        let plain = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "._+-".contains($0) }
            && !PrintableText.hasUnsafe(text) && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(text.lowercased())
        if plain { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case _ where PrintableText.isUnsafe(scalar):
                let hex = String(scalar.value, radix: 16)
                quoted += scalar.value <= 0xFFFF ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                                                 : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
