/// How a trial ended and what it reached.
public struct TrialOutcome: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Ran every epoch.
        case completed
        /// A loss or a parameter became non-finite; `divergedStep` says at which step. A result,
        /// not an error.
        case diverged
        /// Stopped on request (`shouldStop`) before the end.
        case cancelled
        /// Stopped, as asked, at the end of an epoch before the last (`until`), with a checkpoint
        /// to continue from.
        case paused
        /// Ended at an epoch before the last by whoever ran it (a search that pruned it), its
        /// numbers those of the epochs it trained.
        case pruned
    }

    public var status: Status
    /// The step (1-based parameter update) whose loss or update was non-finite.
    public var divergedStep: Int?
    /// Parameter updates made.
    public var steps = 0
    public var epochsCompleted = 0
    /// Seconds spent training (test passes excluded).
    public var trainingSeconds = 0.0
    /// The last completed epoch's values, if any epoch completed.
    public var trainLoss: Double?
    public var trainAccuracy: Double?
    public var testLoss: Double?
    public var testAccuracy: Double?

    public init(status: Status) { self.status = status }

    /// Training windows per second of training time.
    public var windowsPerSecond: Double { trainingSeconds > 0 ? Double(steps) / trainingSeconds : 0 }
}
