/// Bad input from a user — a file, an argument, a value — as one line that names what is wrong:
/// `where: what`, e.g. `sweep.yaml:7: parameters.lr.values[2]: must be > 0 (got -1)`.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, argument or key path at fault (with a line number where one is known).
    public var location: String
    public var message: String

    public init(_ location: String, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { location.isEmpty ? message : "\(location): \(message)" }
}
