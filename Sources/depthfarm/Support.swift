import Glibc
import TrainingCore
import TrialFarm

/// Writes one line to standard error.
func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
}

/// The one-line summary of a trial that `train` prints on standard error.
enum TrialSummary {
    static func line(_ outcome: TrialOutcome) -> String {
        var parts = ["status=\(outcome.status.rawValue)"]
        if let step = outcome.divergedStep { parts.append("diverged_step=\(step)") }
        parts.append("train_loss=\(outcome.trainLoss.map(MetricCSV.format) ?? "-")")
        // test_loss too: adding's figure of merit, where there is no accuracy.
        parts.append("test_loss=\(outcome.testLoss.map(MetricCSV.format) ?? "-")")
        parts.append("test_acc=\(outcome.testAccuracy.map(MetricCSV.format) ?? "-")")
        parts.append("windows=\(outcome.steps)")
        parts.append("windows/s=\(Int(outcome.windowsPerSecond.rounded()))")
        return parts.joined(separator: " ")
    }
}
