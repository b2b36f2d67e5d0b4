import Glibc

/// How a long-running command talks to its user on standard error: log lines, and a progress line
/// that is redrawn in place on a terminal and printed every `plainInterval` seconds otherwise.
public final class Console {
    public let isTerminal: Bool
    /// Print errors only: no log lines, no progress.
    public let quiet: Bool
    /// Seconds between progress lines when standard error is not a terminal.
    public var plainInterval: Double
    private var progressShown = false
    private var lastPlain = -Double.infinity
    private var lastDrawn = -Double.infinity
    private let start = ContinuousClock.now

    public init(isTerminal: Bool = isatty(2) == 1, quiet: Bool = false, plainInterval: Double = 10) {
        self.isTerminal = isTerminal
        self.quiet = quiet
        self.plainInterval = plainInterval
    }

    /// One line, above the progress line.
    public func log(_ line: String) {
        guard !quiet else { return }
        clearProgress()
        emit(line + "\n")
    }

    /// The current progress, made only when it will be shown: redrawn on a terminal at most 10
    /// times a second, printed every `plainInterval` seconds otherwise (`force`: now).
    public func progress(force: Bool = false, _ line: () -> String) {
        if quiet { return }
        let now = seconds(ContinuousClock.now - start)
        if isTerminal {
            guard force || now - lastDrawn >= 0.1 else { return }
            lastDrawn = now
            emit("\r\u{1B}[K" + line())
            progressShown = true
        } else {
            guard force || now - lastPlain >= plainInterval else { return }
            lastPlain = now
            emit(line() + "\n")
        }
    }

    /// Ends the progress line so that what follows starts on a fresh line.
    public func clearProgress() {
        if progressShown {
            emit("\r\u{1B}[K")
            progressShown = false
        }
    }

    private func emit(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}

/// Seconds of a duration, as a Double.
func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) * 1e-18
}
