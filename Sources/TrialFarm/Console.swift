import Glibc
import Synchronization

/// How a long-running command talks to its user on standard error: lines (the log's, and a
/// command's own), and a progress line that is redrawn in place on a terminal and printed every
/// `plainInterval` seconds otherwise. Safe to use from several threads: a line never lands in the
/// middle of another.
public final class Console: Sendable {
    public let isTerminal: Bool
    /// Seconds between progress lines when standard error is not a terminal.
    public let plainInterval: Double
    private let start = ContinuousClock.now
    private let state = Mutex(State())

    private struct State {
        var progressShown = false
        var lastPlain = -Double.infinity
        var lastDrawn = -Double.infinity
    }

    public init(isTerminal: Bool = isatty(2) == 1, plainInterval: Double = 10) {
        self.isTerminal = isTerminal
        self.plainInterval = plainInterval
    }

    /// One line, above the progress line.
    public func line(_ text: String) {
        state.withLock { state in
            Self.clear(&state)
            Self.emit(text + "\n")
        }
    }

    /// The current progress, made only when it will be shown: redrawn on a terminal at most 10
    /// times a second, printed every `plainInterval` seconds otherwise (`force`: now).
    public func progress(force: Bool = false, _ line: () -> String) {
        let now = seconds(ContinuousClock.now - start)
        state.withLock { state in
            if isTerminal {
                guard force || now - state.lastDrawn >= 0.1 else { return }
                state.lastDrawn = now
                Self.emit("\r\u{1B}[K" + line())
                state.progressShown = true
            } else {
                guard force || now - state.lastPlain >= plainInterval else { return }
                state.lastPlain = now
                Self.emit(line() + "\n")
            }
        }
    }

    /// Ends the progress line so that what follows starts on a fresh line.
    public func clearProgress() {
        state.withLock { Self.clear(&$0) }
    }

    private static func clear(_ state: inout State) {
        if state.progressShown {
            emit("\r\u{1B}[K")
            state.progressShown = false
        }
    }

    /// Standard error may be closed or full; there is nowhere left to report that.
    private static func emit(_ text: String) {
        try? FileSystem.write(2, text, path: "standard error")
    }
}

/// Seconds of a duration, as a Double.
func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) * 1e-18
}
