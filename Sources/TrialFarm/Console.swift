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
        /// Lines of progress on the terminal now (the cursor is on the last).
        var progressLines = 0
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

    /// The current progress, made only when it will be shown: redrawn in place on a terminal at
    /// most 10 times a second (several lines, each cut to the terminal's width so that none
    /// wraps), printed every `plainInterval` seconds otherwise (`force`: now).
    public func progress(force: Bool = false, _ line: () -> String) {
        let now = seconds(ContinuousClock.now - start)
        state.withLock { state in
            if isTerminal {
                guard force || now - state.lastDrawn >= 0.1 else { return }
                state.lastDrawn = now
                let width = Self.terminalWidth()
                let lines = line().split(separator: "\n", omittingEmptySubsequences: false).map { String($0.prefix(width - 1)) }
                Self.emit(Self.erase(state.progressLines) + lines.joined(separator: "\n"))
                state.progressLines = lines.count
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
        if state.progressLines > 0 {
            emit(erase(state.progressLines))
            state.progressLines = 0
        }
    }

    /// Erases the `lines` lines drawn last, leaving the cursor at the start of the first.
    private static func erase(_ lines: Int) -> String {
        "\r\u{1B}[K" + String(repeating: "\u{1B}[1A\u{1B}[K", count: max(0, lines - 1))
    }

    /// Columns of the terminal on standard error (80 if it does not say).
    private static func terminalWidth() -> Int {
        var size = winsize()
        return ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 10 ? Int(size.ws_col) : 80
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
