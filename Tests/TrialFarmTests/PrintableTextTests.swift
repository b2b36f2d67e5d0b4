import Testing
@testable import TrialFarm

/// The one rule for outside text shown on a terminal or written into a line-based file.
@Suite struct PrintableTextTests {
    @Test("control, format and separator characters are unsafe; letters, symbols, spaces and emoji are not")
    func unsafeCharacters() {
        for scalar: Unicode.Scalar in ["\u{0}", "\u{7}", "\t", "\n", "\r", "\u{1B}", "\u{7F}", "\u{85}", "\u{9B}", "\u{200B}", "\u{202E}",
                                       "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{E000}", "\u{FFFE}", "\u{FFFF}", "\u{10FFFF}"] {
            #expect(PrintableText.isUnsafe(scalar), "U+\(String(scalar.value, radix: 16))")
        }
        for scalar: Unicode.Scalar in [" ", "a", "-", "/", "\\", "é", "ß", "✓", "中", "\u{1F600}", "\u{A0}"] {
            #expect(!PrintableText.isUnsafe(scalar), "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test("escaped shows every unsafe character as an escape and keeps the rest")
    func escaping() {
        #expect(PrintableText.escaped("\u{1B}[2J\r\nevil\tx") == "\\x1b[2J\\x0d\\x0aevil\\x09x")
        #expect(PrintableText.escaped("a\u{202E}b\u{85}c\u{7F}") == "a\\u{202e}b\\x85c\\x7f")
        #expect(PrintableText.escaped("node-1.example.org ✓") == "node-1.example.org ✓")
    }

    @Test("escaped cuts at a character or escape boundary, with …, to at most the bytes asked")
    func bounded() {
        #expect(PrintableText.escaped(String(repeating: "a", count: 10), maximumBytes: 10) == String(repeating: "a", count: 10))
        #expect(PrintableText.escaped(String(repeating: "a", count: 11), maximumBytes: 10) == String(repeating: "a", count: 7) + "…")
        // No escape is cut in half, and no multi-byte character.
        #expect(PrintableText.escaped("abcdef\u{1B}xyz", maximumBytes: 10) == "abcdef…")
        #expect(PrintableText.escaped("ééééééé", maximumBytes: 10) == "ééé…")
        for length in 0..<40 {
            let text = PrintableText.escaped(String(repeating: "é\u{1B}\u{202E}x", count: 20), maximumBytes: length + 3)
            #expect(text.utf8.count <= length + 3 && !text.unicodeScalars.contains(where: PrintableText.isUnsafe))
        }
    }
}
