import TrainingCore

// The configuration an ASSIGN message carries (see WireProtocol): the canonical JSON of a trial,
// read back by a worker.

extension TrialConfig {
    /// Reads a flat JSON object of parameters — what `canonicalJSON()` writes: string or number
    /// values, no nesting, no escapes. Faster than a JSONDecoder by far, which matters when a
    /// worker starts thousands of short trials a second.
    public init(flatJSON text: String) throws {
        self.init()
        var bytes = Array(text.utf8)[...]
        func fail() -> ConfigurationError { ConfigurationError("configuration", "not a flat JSON object of parameters") }
        func skipSpace() { while let c = bytes.first, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { bytes.removeFirst() } }
        func expect(_ c: UInt8) throws {
            skipSpace()
            guard bytes.first == c else { throw fail() }
            bytes.removeFirst()
        }
        func string() throws -> String {
            try expect(0x22)  // "
            guard let end = bytes.firstIndex(of: 0x22) else { throw fail() }
            let value = bytes[bytes.startIndex..<end]
            guard !value.contains(0x5C) else { throw fail() }  // no escapes in parameter names or values
            bytes = bytes[(end + 1)...]
            return String(decoding: value, as: UTF8.self)
        }
        try expect(0x7B)  // {
        skipSpace()
        if bytes.first == 0x7D {  // }
            bytes.removeFirst()
        } else {
            while true {
                let key = try string()
                try expect(0x3A)  // :
                skipSpace()
                let value: String
                if bytes.first == 0x22 {
                    value = try string()
                } else {
                    let end = bytes.firstIndex { !($0 == 0x2B || $0 == 0x2D || $0 == 0x2E || $0 == 0x45 || $0 == 0x65 || (0x30...0x39).contains($0)) }
                        ?? bytes.endIndex
                    guard end > bytes.startIndex else { throw fail() }
                    value = String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
                    bytes = bytes[end...]
                }
                try set(key, to: value)
                skipSpace()
                guard let next = bytes.popFirst() else { throw fail() }
                if next == 0x7D { break }
                guard next == 0x2C else { throw fail() }  // ,
            }
        }
        skipSpace()
        guard bytes.isEmpty else { throw fail() }
    }
}
