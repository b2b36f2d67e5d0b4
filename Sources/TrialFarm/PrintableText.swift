/// The one rule for text that comes from outside — a sweep file, a worker's greeting — and ends up
/// on a terminal, in a log line, in a line-based file or as a folder name: which characters are
/// unsafe there, and how they are shown instead. Sweep names are refused when they hold one
/// (`Sweep.nameProblem`); what peers send is escaped (`escaped`), never refused, so that a worker
/// on an oddly named host can still work.
public enum PrintableText {
    /// Whether `scalar` must not reach a terminal or a line-based file as it is: C0 and C1 control
    /// characters and DEL (a terminal acts on them — ESC starts a sequence that can clear the screen
    /// or retitle the window, CR rewrites the line, LF and TAB split journal and CSV lines), line and
    /// paragraph separators, format characters (bidirectional overrides reorder what is shown),
    /// private-use code points, surrogates and noncharacters.
    ///
    /// This is a superset of what YAML readers refuse in a file (libyaml's "control characters are
    /// not allowed": C0 but TAB, LF and CR; DEL; C1 but NEL; surrogates; U+FFFE, U+FFFF), so a name
    /// that passes can be written into `sweep.yaml` and read back by `summarize` and `report`.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate: return true
        default: return scalar.properties.isNoncharacterCodePoint
        }
    }

    /// Whether `text` holds an unsafe character.
    public static func hasUnsafe(_ text: String) -> Bool { text.unicodeScalars.contains(where: isUnsafe) }

    /// `text` with every unsafe character written as a visible escape — `\x1b` below U+0100,
    /// `\u{202e}` above — and cut, with "…", to at most `maximumBytes` bytes of UTF-8.
    public static func escaped(_ text: String, maximumBytes: Int = .max) -> String {
        var pieces: [String] = [], bytes = 0
        for scalar in text.unicodeScalars {
            let piece = isUnsafe(scalar) ? escape(scalar) : String(scalar)
            // Room for "…" (3 bytes) is made only once the text turns out too long, and whole
            // pieces go, so that no escape is cut in half.
            if bytes + piece.utf8.count > maximumBytes {
                while bytes > maximumBytes - 3, let last = pieces.popLast() { bytes -= last.utf8.count }
                return pieces.joined() + "…"
            }
            pieces.append(piece)
            bytes += piece.utf8.count
        }
        return pieces.joined()
    }

    static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return scalar.value < 0x100 ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex : "\\u{\(hex)}"
    }
}
