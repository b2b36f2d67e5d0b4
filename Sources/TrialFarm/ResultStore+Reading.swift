import TrainingCore

// Reading an output folder back: the one place that says how a trial stands, counts trials,
// and reads a completed trial's rows — for summaries, the report, the progress line and the
// scheduler's replay on resume.

extension ResultStore {
    /// Where the trial at plan index `index` stands.
    public func status(_ index: Int) -> TrialStatus {
        guard let entry = finished[index] else { return .pending }
        if entry.kind == .failed { return .failed }
        switch entry.outcome?.status {
        case .diverged: return .diverged
        case .pruned: return .pruned
        default: return .completed
        }
    }

    /// Whether the trial completed or diverged (it has rows, and will not run again).
    public func isComplete(_ index: Int) -> Bool { finished[index]?.kind == .done }

    /// The trials of each configuration, counted by status.
    public func countsByConfiguration() -> [TrialCounts] {
        var counts = [TrialCounts](repeating: TrialCounts(), count: plan.configurations.count)
        for (index, trial) in plan.trials.enumerated() { counts[Int(trial.configuration)].add(status(index)) }
        return counts
    }

    /// Every trial, counted by status.
    public var counts: TrialCounts { countsByConfiguration().reduce(TrialCounts(), +) }

    /// The metric rows of a completed trial, as `completed.csv` holds them (CSV lines with their
    /// line ends); empty for any other trial.
    public func rowBytes(_ index: Int) throws -> [UInt8] {
        guard let range = finished[index]?.rows, !range.isEmpty else { return [] }
        return try FileSystem.read(completed, count: range.count, at: range.lowerBound, path: completedPath)
    }

    /// Calls `body` with every metric record of a completed trial, in the order they were
    /// recorded; with `perEpochOnly`, only the per-epoch ones.
    public func forEachRecord(of index: Int, perEpochOnly: Bool = false, _ body: (MetricRecord) -> Void) throws {
        let bytes = try rowBytes(index)
        bytes.withUnsafeBufferPointer { MetricRows.forEach($0, perEpochOnly: perEpochOnly, body) }
    }

    /// Seconds from the first trial's start to the last one's end.
    public var elapsedSeconds: Double {
        let entries = finished.compactMap { $0 }
        guard let first = entries.map(\.started).filter({ $0 > 0 }).min(), let last = entries.map(\.finished).max() else { return 0 }
        return last - first
    }
}
