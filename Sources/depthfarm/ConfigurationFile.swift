import TrainingCore
import TrialFarm
import Yams

/// Trial parameters from a YAML or JSON file (a mapping of parameter names to values) and
/// from `KEY=VALUE` assignments, as `depthfarm train --config FILE --set KEY=VALUE` takes them.
public enum ConfigurationFile {
    /// Applies every `name: value` of the file at `path` to `config`.
    public static func apply(path: String, to config: inout TrialConfig) throws {
        let root = try YAMLDocument.parse(try FileSystem.readUTF8(path), source: path)
        guard case .mapping(let mapping) = root else {
            throw InputError(YAMLDocument.location(path, root), "expected a mapping of parameter names to values")
        }
        for (key, value) in mapping {
            let name = YAMLDocument.scalarText(key) ?? "?"
            guard let text = YAMLDocument.scalarText(value) else {
                throw InputError(YAMLDocument.location(path, value), "\(name): expected a single value")
            }
            do {
                try config.set(name, to: text)
            } catch let error as ConfigurationError {
                throw InputError(YAMLDocument.location(path, key), error.description)
            }
        }
    }

    /// Applies one `KEY=VALUE` assignment.
    public static func apply(assignment: String, to config: inout TrialConfig) throws {
        guard let equals = assignment.firstIndex(of: "=") else {
            throw InputError("--set \(assignment)", "expected KEY=VALUE")
        }
        let name = String(assignment[..<equals]), value = String(assignment[assignment.index(after: equals)...])
        do {
            try config.set(name, to: value)
        } catch let error as ConfigurationError {
            throw InputError("--set", error.description)
        }
    }

    /// A configuration from an optional file and assignments (applied after the file), validated.
    public static func load(file: String?, assignments: [String]) throws -> TrialConfig {
        var config = TrialConfig()
        if let file { try apply(path: file, to: &config) }
        for assignment in assignments { try apply(assignment: assignment, to: &config) }
        do {
            try config.validate()
        } catch let error as ConfigurationError {
            throw InputError("configuration", error.description)
        }
        return config
    }
}
