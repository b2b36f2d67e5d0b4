/// CSV writing details shared by every output file.
public enum CSV {
    /// A field, quoted (with inner quotes doubled) only when it holds a comma, quote or line break.
    public static func field(_ text: String) -> String {
        // By UTF-8 bytes, not Characters (several times faster, and summaries write millions of
        // fields): these four ASCII bytes never occur inside another character's encoding.
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return text }
        // Literal: by default a quote followed by a combining mark is one character and not matched.
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"", options: .literal) + "\""
    }

    /// A row of fields and its line end.
    public static func row(_ fields: [String]) -> String { line(fields) + "\n" }

    /// A row of fields without its line end (to write a row in parts).
    public static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") }

    /// Splits one line written by `row` back into fields.
    public static func split(_ line: Substring) -> [String] {
        var fields: [String] = [], current = "", quoted = false, index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if quoted {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex && line[next] == "\"" {
                        current.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
            index = line.index(after: index)
        }
        fields.append(current)
        return fields
    }
}
