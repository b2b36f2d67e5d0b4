import Yams

/// Parsing of YAML (and JSON, which YAML reads) into Yams nodes, with parser errors turned into
/// one line that names the file and the line.
public enum YAMLDocument {
    /// The root node of `text`; `source` names the file in errors.
    public static func parse(_ text: String, source: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else { throw InputError(source, "the file is empty") }
            return node
        } catch let error as YamlError {
            throw InputError(source, describe(error))
        }
    }

    /// `line N: problem` from a Yams error (which spans several lines with a snippet).
    static func describe(_ error: YamlError) -> String {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            let during = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(during)"
        case let .duplicatedKeysInMapping(duplicates, context):
            return "line \(context.mark.line): duplicate key \(duplicates.sorted().joined(separator: ", "))"
        case let .reader(problem, _, _, _):
            return "not readable as UTF-8 YAML: \(problem)"
        default:
            return String(describing: error).split(separator: "\n").first.map(String.init) ?? "malformed YAML"
        }
    }

    /// `file:line` for a node, or `file` when Yams gives no position.
    public static func location(_ source: String, _ node: Node) -> String {
        node.mark.map { "\(source):\($0.line)" } ?? source
    }

    /// The text of a scalar node, or nil for a mapping or sequence.
    public static func scalarText(_ node: Node) -> String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }
}
