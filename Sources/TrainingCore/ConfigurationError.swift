/// A trial configuration that cannot run: names the parameter and says why.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The parameter's name as written in configuration files (`lr`, `seq_len`, …).
    public var parameter: String
    public var reason: String

    public init(_ parameter: String, _ reason: String) {
        self.parameter = parameter
        self.reason = reason
    }

    public var description: String { "\(parameter): \(reason)" }
}
