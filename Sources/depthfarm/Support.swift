import Glibc
import TrainingCore
import TrialFarm

/// Writes one line to standard error.
func printError(_ line: String) {
    try? FileSystem.write(2, line + "\n", path: "standard error")
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

/// A library error in the command line's words: the library names what failed, this says which
/// option set it and what to do. Other errors pass through.
func worded(_ error: any Error, sweep: String? = nil) -> any Error {
    switch error {
    case let error as BindError:
        return InputError("--bind \(error.endpoint)", String(cString: strerror(error.errno)))
    case let error as WorkerError:
        switch error {
        case .cannotConnect(let endpoint, let number):
            return InputError("--connect \(endpoint)", String(cString: strerror(number)))
        case .keyRefused(let endpoint):
            return InputError("--connect \(endpoint)", "the coordinator refused this worker's key (add its .public file to the coordinator's --authorized-keys)")
        case .curveRequired(let endpoint):
            return InputError("--connect \(endpoint)", "the handshake failed: the coordinator requires CURVE (give --curve-server-key and --curve-secret-key)")
        case .protocolMismatch(let endpoint):
            return InputError("--connect \(endpoint)", "the handshake failed: the coordinator does not use CURVE, or speaks another protocol")
        case .curveFailed(let endpoint):
            return InputError("--connect \(endpoint)", "the CURVE handshake failed: is --curve-server-key the coordinator's public key?")
        }
    case let error as ResultStore.OpenError:
        if case .damaged = error { return error }
        return InputError("", "\(error); choose another --out or add --force to start it afresh")
    case let error as Journal.FormatError:
        return InputError("", "\(error) (--force)")
    case let error as Journal.UnrepairableLine:
        return InputError("", "\(error) (--force)")
    case let error as SweepPlan.Unrunnable:
        return InputError(sweep ?? "sweep", error.description)
    case let error as SweepPlan.TooLarge:
        let shown = error.trials == Int.max ? "more than 2^63" : "\(error.trials)"
        return InputError(sweep ?? "sweep", "\(shown) trials is more than --max-trials (\(error.maximum))")
    case let error as CurveKeyFile.FileExists:
        return InputError(error.path, "exists (add --force to replace it)")
    default:
        return error
    }
}
