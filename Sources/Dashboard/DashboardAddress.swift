import Glibc
import TrialFarm

/// Where `--dashboard [ADDRESS:]PORT` listens: an IP address (IPv6 in brackets) or `localhost`,
/// 127.0.0.1 when only a port is given; port 0 picks a free one.
public struct DashboardAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `text` as `--dashboard` takes it, or an error naming `option` and what is wrong.
    public init(parsing text: String, option: String = "--dashboard") throws {
        let form = InputError("\(option) \(text)", "expected [ADDRESS:]PORT, e.g. 8080, 127.0.0.1:8080 or 0.0.0.0:0 (port 0: any free port)")
        guard !text.contains("/") else { throw form }
        var hostText = "127.0.0.1", portText = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw form }
            hostText = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            hostText = String(text[..<colon])
            portText = text[text.index(after: colon)...]
            guard !hostText.contains(":") else { throw InputError("\(option) \(text)", "an IPv6 address goes in brackets, e.g. [::1]:8080") }
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber) else {
            throw portText.isEmpty || hostText.isEmpty ? form : InputError("\(option) \(text)", "the port must be a number in 0 … 65535 (got '\(PrintableText.escaped(String(portText), maximumBytes: 40))')")
        }
        guard portText.count <= 5, let port = Int(portText), (0...65535).contains(port) else {
            throw InputError("\(option) \(text)", "the port must be a number in 0 … 65535 (got \(PrintableText.escaped(String(portText), maximumBytes: 40)))")
        }
        guard hostText == "localhost" || Self.isIPAddress(hostText) else {
            throw InputError("\(option) \(text)", "'\(PrintableText.escaped(hostText, maximumBytes: 100))' is not an IP address (give an IPv4 address, an IPv6 address in brackets, or localhost)")
        }
        self.init(host: hostText, port: port)
    }

    /// Whether only this machine can reach it: 127.0.0.0/8, ::1 or localhost.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || (Self.isIPv4(host) && host.hasPrefix("127."))
    }

    /// Whether it listens on every address of the machine (0.0.0.0 or ::).
    public var isWildcard: Bool {
        var v6 = in6_addr()
        return host == "0.0.0.0" || (inet_pton(AF_INET6, host, &v6) == 1 && withUnsafeBytes(of: &v6) { $0.allSatisfy { $0 == 0 } })
    }

    /// `[ADDRESS:]PORT` as given back, brackets around IPv6.
    public var description: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// The page's address with the port actually bound: a wildcard address is replaced by
    /// `hostName` (which other machines can use).
    public func url(port: Int, hostName: String) -> String {
        let shown = isWildcard ? hostName : host
        return "http://\(shown.contains(":") ? "[\(shown)]" : shown):\(port)/"
    }

    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v6 = in6_addr()
        return isIPv4(text) || inet_pton(AF_INET6, text, &v6) == 1
    }
}
