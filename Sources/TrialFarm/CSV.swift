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
    public static func split(_ line: Substring) -> [String] { records(line).first ?? [""] }

    /// The rows of a text written by `row`, split into fields: at commas and line ends outside
    /// quotes (a quoted field may hold line breaks). By Unicode scalars, not Characters: CR LF is
    /// one Character, and so is a quote or comma with a combining mark after it.
    public static func records(_ text: Substring) -> [[String]] {
        var records: [[String]] = [], fields: [String] = [], current = String.UnicodeScalarView(), quoted = false
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if quoted {
                if scalar == "\"" {
                    let next = scalars.index(after: index)
                    if next < scalars.endIndex && scalars[next] == "\"" {
                        current.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(scalar)
                }
            } else if scalar == "\"" {
                quoted = true
            } else if scalar == "," || scalar == "\n" {
                fields.append(String(current))
                current = String.UnicodeScalarView()
                if scalar == "\n" {
                    records.append(fields)
                    fields = []
                }
            } else {
                current.append(scalar)
            }
            index = scalars.index(after: index)
        }
        if !fields.isEmpty || !current.isEmpty {  // a last row without its line end
            fields.append(String(current))
            records.append(fields)
        }
        return records
    }
}
