import Foundation

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

    /// Why the host of a `tcp://HOST:PORT` endpoint does not resolve, if it does not (libzmq would
    /// retry it silently forever); nil when it resolves, is a wildcard, or the lookup failed only
    /// for now (the name server did not answer: libzmq retries, and so may it).
    public static func unresolvedHost(_ text: String) -> (host: String, reason: String)? {
        guard text.hasPrefix("tcp://"), let colon = text.lastIndex(of: ":") else { return nil }
        var host = text[text.index(text.startIndex, offsetBy: "tcp://".count)..<colon]
        if let semicolon = host.lastIndex(of: ";") { host = host[host.index(after: semicolon)...] }
        let name = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !name.isEmpty, name != "*" else { return nil }
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, nil, &result)
        if let result { freeaddrinfo(result) }
        guard status != 0, status != EAI_AGAIN else { return nil }
        return (name, String(cString: gai_strerror(status)))
    }

    /// Whether only this machine can reach the endpoint: ipc and inproc, or tcp on a loopback
    /// address (127.0.0.0/8, ::1, localhost).
    public static func isLocal(_ text: String) -> Bool {
        guard text.hasPrefix("tcp://") else { return text.hasPrefix("ipc://") || text.hasPrefix("inproc://") }
        var host = text.dropFirst("tcp://".count)
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        // A ZeroMQ tcp endpoint may name the interface to use before a ';' (source;destination).
        if let semicolon = host.firstIndex(of: ";") { host = host[..<semicolon] }
        let name = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return name == "localhost" || name == "::1" || (name.hasPrefix("127.") && name.split(separator: ".").count == 4)
    }

    /// The endpoint a worker on another machine can connect to, for a coordinator bound at
    /// `bound` (as libzmq reports it): a wildcard address (0.0.0.0 or [::]) becomes `host`.
    public static func advertised(_ bound: String, host: String) -> String {
        for wildcard in ["tcp://0.0.0.0:", "tcp://[::]:"] where bound.hasPrefix(wildcard) {
            return "tcp://\(host):" + bound.dropFirst(wildcard.count)
        }
        return bound
    }
}
