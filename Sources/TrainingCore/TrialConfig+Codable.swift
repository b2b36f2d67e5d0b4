// JSON (and any Codable format) reads and writes a configuration by its parameter names. Values
// may be strings, numbers or (for switches such as `amsgrad`) booleans; unknown names and bad
// values are errors naming the parameter.

extension TrialConfig: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            let text: String
            if let value = try? container.decode(String.self, forKey: key) {
                text = value
            } else if let value = try? container.decode(Int.self, forKey: key) {
                text = String(value)
            } else if let value = try? container.decode(UInt64.self, forKey: key) {
                text = String(value)
            } else if let value = try? container.decode(Double.self, forKey: key) {
                text = "\(value)"
            } else if let value = try? container.decode(Bool.self, forKey: key) {
                text = String(value)
            } else {
                throw ConfigurationError(key.stringValue, "must be a string, a number or a boolean")
            }
            try set(key.stringValue, to: text)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, value) in parameterValues {
            let key = Key(stringValue: name)
            switch value {
            case .text(let text): try container.encode(text, forKey: key)
            case .integer(let integer): try container.encode(integer, forKey: key)
            case .unsigned(let unsigned): try container.encode(unsigned, forKey: key)
            case .real(let real): try container.encode(real, forKey: key)
            }
        }
    }
}
