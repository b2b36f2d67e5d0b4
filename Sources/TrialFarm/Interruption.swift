import Glibc
import Synchronization

/// SIGINT, SIGTERM and SIGHUP (its terminal or ssh session closed) as a flag that long work
/// polls: the first signal asks it to stop cleanly; a second SIGINT ends the process at once
/// (exit status 130).
public enum Interruption {
    private static let signalCount = Atomic<Int>(0)
    private static let lastSignal = Atomic<Int32>(0)

    /// Installs the handlers. Call once, early.
    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { signal in
            Interruption.lastSignal.store(signal, ordering: .relaxed)
            if Interruption.signalCount.add(1, ordering: .relaxed).newValue > 1 && signal == SIGINT { _exit(130) }
        }
        _ = Glibc.signal(SIGINT, handler)
        _ = Glibc.signal(SIGTERM, handler)
        _ = Glibc.signal(SIGHUP, handler)
        // A process inherits its parent's blocked signals (a test runner's threads block them, for
        // one); unblock these so that the handler runs.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Whether a stop was requested.
    public static var requested: Bool { signalCount.load(ordering: .relaxed) > 0 }

    /// The signal that asked for the stop (0 if none).
    public static var signal: Int32 { lastSignal.load(ordering: .relaxed) }
}
