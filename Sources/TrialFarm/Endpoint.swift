/// Checks of ZeroMQ endpoints given on the command line, so that a typo gets a clear message
/// rather than libzmq's "Invalid argument".
public enum Endpoint {
    /// Throws unless `text` is `tcp://HOST:PORT` (PORT 0 … 65535, or * to bind any), `ipc://PATH`
    /// or `inproc://NAME`.
    public static func check(_ text: String, option: String) throws {
        let problem = InputError("\(option) \(text)", "not a ZeroMQ endpoint (expected tcp://HOST:PORT, ipc://PATH or inproc://NAME)")
        guard let separator = text.range(of: "://") else { throw problem }
        let scheme = text[..<separator.lowerBound], rest = text[separator.upperBound...]
        switch scheme {
        case "ipc", "inproc":
            guard !rest.isEmpty else { throw problem }
        case "tcp":
            guard let colon = rest.lastIndex(of: ":") else { throw problem }
            let host = rest[..<colon], port = rest[rest.index(after: colon)...]
            guard !host.isEmpty, !host.contains("/") else { throw problem }
            guard port == "*" || (port.allSatisfy(\.isNumber) && Int(port).map { (0...65535).contains($0) } == true) else {
                throw InputError("\(option) \(text)", "the port must be a number in 0 … 65535 (or * to bind any)")
            }
        default:
            throw problem
        }
    }
}
