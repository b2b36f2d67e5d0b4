import ArgumentParser
import Glibc
import TrainingCore
import TrialFarm

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one trial in this process and print its metric stream as CSV.",
        discussion: """
            Prints `epoch,step,metric,lag,value` lines as the trial runs (step empty for per-epoch \
            records, lag empty where it does not apply) and a one-line summary on standard error. \
            A diverged trial is a result, not an error: the summary says so and the exit status is 0.

            Parameters (--parameters lists each with its values, default and meaning):
            \(wrap(TrialConfig.parameters.map(\.name).joined(separator: " "), indent: 2))
            """
    )

    @Option(name: .customLong("config"), help: ArgumentHelp("A YAML or JSON file mapping parameter names to values.", valueName: "file"))
    var configFile: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set one parameter (repeatable; applied after --config).", valueName: "key=value"))
    var assignments: [String] = []

    @Option(help: ArgumentHelp("Write the CSV to this file instead of standard output.", valueName: "file"))
    var out: String?

    @Flag(help: "Replace the --out file if it exists.")
    var force = false

    // Not in the discussion: ArgumentParser prints that before USAGE, and 60 lines of parameters
    // there hid the usage line.
    @Flag(help: "List every parameter with its values, default and meaning, and exit.")
    var parameters = false

    func validate() throws {
        do {
            _ = try ConfigurationFile.load(file: configFile, assignments: assignments)
        } catch {
            throw ValidationError(String(describing: error))
        }
        if let out, FileSystem.exists(out), !force {
            throw ValidationError("--out \(out): the file exists (add --force to replace it)")
        }
    }

    func run() throws {
        if parameters {
            print("Parameters (name: allowed values; default):")
            print(TrialConfig.parameters.map { "  \($0.name): \($0.values); default \($0.defaultValue)\n" + wrap($0.summary, indent: 6) }
                .joined(separator: "\n"))
            return
        }
        let trial = try Trial(try ConfigurationFile.load(file: configFile, assignments: assignments))
        let output = try out.map { try BufferedFile(temporaryFor: $0) } ?? .standardOutput()
        Interruption.install()
        let showProgress = isatty(2) == 1
        output.write(MetricCSV.header + "\n")
        let outcome = trial.run(shouldStop: { Interruption.requested || output.error != nil }) { record in
            output.write(MetricCSV.fields(record) + "\n")
            if showProgress, record.step == nil, record.metric == .testAccuracy {
                printError("epoch \(record.epoch)/\(trial.config.epochs): test_acc \(MetricCSV.format(record.value))")
            }
        }
        if let out { try output.commit(to: out) } else { try output.flush() }
        printError(TrialSummary.line(outcome))
        if outcome.status == .cancelled { throw ExitCode(130) }
    }
}

/// `text` broken into lines of at most 78 characters, each indented by `indent` spaces (the help
/// screen would otherwise wrap them without indentation).
private func wrap(_ text: String, indent: Int) -> String {
    var lines: [String] = [], line = ""
    for word in text.split(separator: " ") {
        if !line.isEmpty && indent + line.count + 1 + word.count > 78 {
            lines.append(line)
            line = ""
        }
        line += (line.isEmpty ? "" : " ") + word
    }
    lines.append(line)
    return lines.map { String(repeating: " ", count: indent) + $0 }.joined(separator: "\n")
}
