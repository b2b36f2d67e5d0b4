import ArgumentParser
import Logging
import TrialFarm

/// `--log-level`, shared by the commands that log (`run`, `coordinator`, `worker`).
struct LogOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Log messages of this level and above: \(Logger.Level.names.joined(separator: ", ")).", valueName: "level"))
    var logLevel = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of \(Logger.Level.names.joined(separator: ", ")) (got '\(logLevel)')")
        }
    }

    /// A logger labelled `label` (who speaks: "coordinator", "worker HOST/PID") that writes to `console`.
    func logger(_ label: String, console: Console, quiet: Bool = false) -> Logger {
        let level = quiet ? Logger.Level.error : Logger.Level(rawValue: logLevel) ?? .info
        return Logger(label: label) { label in ConsoleLogHandler(label: label, console: console, level: level) }
    }
}
