/// Where a trial of a sweep stands, as its output folder records it.
public enum TrialStatus: String, Sendable, CaseIterable {
    /// Not finished: never run, running, or interrupted.
    case pending
    /// Trained every epoch; its numbers count in the statistics.
    case completed
    /// A non-finite loss or parameter ended it: a result, counted apart and not averaged.
    case diverged
    /// Every attempt was lost (dead workers, errors, timeouts): no result.
    case failed
    /// Ended early by the search (early stopping, or a race that eliminated it): its rows up to
    /// the epoch it stopped at are kept; counted apart, not averaged.
    case pruned
}

/// How many trials stand where.
public struct TrialCounts: Sendable, Equatable {
    public var pending = 0, completed = 0, diverged = 0, failed = 0, pruned = 0

    public init() {}

    public mutating func add(_ status: TrialStatus, _ count: Int = 1) {
        switch status {
        case .pending: pending += count
        case .completed: completed += count
        case .diverged: diverged += count
        case .failed: failed += count
        case .pruned: pruned += count
        }
    }

    /// Trials that will not run again.
    public var finished: Int { completed + diverged + failed + pruned }
    public var total: Int { finished + pending }

    public static func + (a: TrialCounts, b: TrialCounts) -> TrialCounts {
        var sum = a
        sum.pending += b.pending
        sum.completed += b.completed
        sum.diverged += b.diverged
        sum.failed += b.failed
        sum.pruned += b.pruned
        return sum
    }
}
