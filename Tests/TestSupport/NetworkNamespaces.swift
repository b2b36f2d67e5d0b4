import Foundation

/// Hosts for tests on one machine: Linux network namespaces joined by veth pairs to a hub
/// namespace, with private addresses (10.231.N.0/24) that exist only inside them. Needs root and
/// iproute2's `ip`; `unavailableReason` says why it cannot be used here.
public final class NetworkNamespaces: @unchecked Sendable {
    /// The hub's name, and each spoke's name with the hub's address as the spoke sees it.
    public let hub: String
    public private(set) var spokes: [(name: String, hubAddress: String, veth: String)] = []
    private let tag: String

    /// Why namespaces cannot be made here, or nil if they can.
    public static let unavailableReason: String? = {
        guard getuid() == 0 else { return "network namespaces need root (CI runs as root)" }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip") else {
            return "iproute2's ip is not installed"
        }
        let probe = "depthfarm-probe-\(getpid())"
        guard (try? ip(["netns", "add", probe]))?.status == 0 else { return "ip netns add failed: namespaces are not permitted here" }
        _ = try? ip(["netns", "delete", probe])
        return nil
    }()

    /// A hub and `count` spokes, each spoke linked to the hub by its own veth pair.
    public init(spokes count: Int) throws {
        tag = String(UInt32.random(in: 0..<UInt32.max) % 100_000)
        hub = "df\(tag)hub"
        try Self.check(["netns", "add", hub])
        try Self.check(["netns", "exec", hub, "ip", "link", "set", "lo", "up"])
        for n in 1...count {
            let name = "df\(tag)s\(n)", hubSide = "dfh\(tag)\(n)", spokeSide = "dfs\(tag)\(n)"
            try Self.check(["netns", "add", name])
            try Self.check(["netns", "exec", name, "ip", "link", "set", "lo", "up"])
            try Self.check(["link", "add", hubSide, "type", "veth", "peer", "name", spokeSide])
            try Self.check(["link", "set", hubSide, "netns", hub])
            try Self.check(["link", "set", spokeSide, "netns", name])
            try Self.check(["netns", "exec", hub, "ip", "addr", "add", "10.231.\(n).1/24", "dev", hubSide])
            try Self.check(["netns", "exec", hub, "ip", "link", "set", hubSide, "up"])
            try Self.check(["netns", "exec", name, "ip", "addr", "add", "10.231.\(n).2/24", "dev", spokeSide])
            try Self.check(["netns", "exec", name, "ip", "link", "set", spokeSide, "up"])
            spokes.append((name, "10.231.\(n).1", spokeSide))
        }
    }

    deinit {
        for spoke in spokes { _ = try? Self.ip(["netns", "delete", spoke.name]) }
        _ = try? Self.ip(["netns", "delete", hub])
    }

    /// Gives every spoke a default route through the hub, so that each reaches all of the hub's
    /// addresses (not only the one on its own link).
    public func routeSpokesThroughHub() throws {
        for spoke in spokes { try Self.check(["netns", "exec", spoke.name, "ip", "route", "add", "default", "via", spoke.hubAddress]) }
    }

    /// Takes spoke `n`'s link down (a network split) or brings it back up.
    public func setLink(spoke n: Int, up: Bool) throws {
        let spoke = spokes[n]
        try Self.check(["netns", "exec", spoke.name, "ip", "link", "set", spoke.veth, up ? "up" : "down"])
    }

    /// The command line that runs `arguments` inside namespace `name`.
    public static func inside(_ name: String, _ arguments: [String]) -> (program: String, arguments: [String]) {
        (ipPath, ["netns", "exec", name] + arguments)
    }

    static var ipPath: String { FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip" }

    @discardableResult
    static func ip(_ arguments: [String]) throws -> ProcessResult { try run(ipPath, arguments) }

    static func check(_ arguments: [String]) throws {
        let result = try ip(arguments)
        guard result.status == 0 else {
            throw NSError(domain: "NetworkNamespaces", code: Int(result.status),
                          userInfo: [NSLocalizedDescriptionKey: "ip \(arguments.joined(separator: " ")): \(result.standardError)"])
        }
    }
}
