import TrainingCore
import Yams

/// `sweep.yaml` in the output folder: the sweep as given, with seeds spelled out, plus its id and
/// every configuration with all defaults filled. `Sweep.parse` reads it back (for `summarize` and
/// on resume), and the id tells whether a folder holds this sweep.
public enum ResolvedSweep {
    public static func yaml(_ plan: SweepPlan) -> String {
        let sweep = plan.sweep
        var text = "# The sweep as resolved by depthfarm \(DepthFarmVersion.current); read back by `depthfarm summarize` and on resume.\n"
        text += "name: \(scalar(sweep.name))\n"
        text += "method: \(sweep.method.rawValue)\n"
        if sweep.method == .random { text += "samples: \(sweep.samples)\nsample_seed: \(sweep.sampleSeed)\n" }
        text += "seeds: [\(sweep.seeds.map(String.init).joined(separator: ", "))]\n"
        text += "metric: {name: \(sweep.metric.rawValue), goal: \(sweep.goal.rawValue)}\n"
        text += "parameters:\n"
        if sweep.parameters.isEmpty { text.removeLast(); text += " {}\n" }
        for (name, specification) in sweep.parameters {
            text += "  \(name): \(describe(specification))\n"
        }
        text += "sweep_id: \(plan.sweepID)\n"
        text += "# Every configuration, all defaults filled, by config_id.\nconfigurations:\n"
        for (id, config) in zip(plan.configurationIDs, plan.configurations) {
            let fields = config.parameterValues.filter { $0.name != "seed" }.map { "\($0.name): \(scalar($0.value.description))" }
            text += "  \(SweepPlan.hex(id)): {\(fields.joined(separator: ", "))}\n"
        }
        return text
    }

    /// The `sweep_id` recorded in a resolved sweep file.
    public static func sweepID(ofFile path: String) throws -> String {
        let text = try FileSystem.readText(path)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("sweep_id: ") }) else {
            throw InputError(path, "has no sweep_id: not a resolved sweep")
        }
        return String(line.dropFirst("sweep_id: ".count))
    }

    static func describe(_ specification: Sweep.Specification) -> String {
        switch specification {
        case .value(let value): "{value: \(scalar(value))}"
        case .values(let values): "{values: [\(values.map(scalar).joined(separator: ", "))]}"
        case .uniform(let low, let high): "{distribution: uniform, min: \(low), max: \(high)}"
        case .logUniform(let low, let high): "{distribution: log_uniform_values, min: \(low), max: \(high)}"
        case .integerUniform(let low, let high): "{distribution: int_uniform, min: \(low), max: \(high)}"
        case .categorical(let values): "{distribution: categorical, values: [\(values.map(scalar).joined(separator: ", "))]}"
        }
    }

    /// A YAML scalar that reads back as the same text: plain when safe, double-quoted otherwise.
    static func scalar(_ text: String) -> String {
        let plain = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "._+-".contains($0) }
            && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(text.lowercased())
        if plain { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
