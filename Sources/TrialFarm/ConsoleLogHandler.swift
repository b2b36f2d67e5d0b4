import Foundation
import Logging

/// swift-log's handler for the coordinator's and workers' logs: one line per event on the
/// `Console` (so the progress line is cleared first), as
///
///     2026-12-04T17:31:02.123Z warning worker node-7/4321: coordinator at tcp://head:5555 is silent; greeting it again
///
/// — UTC time to the millisecond, level, who is speaking (the logger's label), the message and
/// any metadata as `key=value`. What a cluster operator greps for.
public struct ConsoleLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let console: Console

    public init(label: String, console: Console, level: Logger.Level) {
        self.label = label
        self.console = console
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "\(Self.timestamp()) \(event.level) \(label): \(event.message)"
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        if !all.isEmpty { line += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
        console.line(line)
    }

    static func timestamp() -> String { UTCTimestamp.text(Date().timeIntervalSince1970) }
}

extension Logger.Level {
    /// The levels by name, for `--log-level`.
    public static let names = Logger.Level.allCases.map(\.rawValue)
}
