/// Rows of text in aligned columns, for a terminal.
public enum TextTable {
    /// Each row's cells padded to their column's widest, two spaces apart, trailing spaces cut.
    public static func aligned(_ rows: [[String]], indent: String = "  ") -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        let widths = (0..<columns).map { i in rows.map { i < $0.count ? $0[i].count : 0 }.max()! }
        return rows.map { row in
            var line = indent + zip(row, widths).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
