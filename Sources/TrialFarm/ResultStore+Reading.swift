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

    /// Calls `body` with the metric rows of a completed trial, as `completed.csv` holds them (CSV
    /// lines with their line ends), in pieces of whole lines of about a megabyte: a trial of
    /// gigabytes is read in bounded memory. Nothing for any other trial.
    public func forEachRowPiece(of index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard let range = finished[index]?.rows else { return }
        var offset = range.lowerBound
        while offset < range.upperBound {
            offset = try rowPiece(in: range, at: offset, body)
        }
    }

    /// The whole lines of about a megabyte of `range` from `offset` on; returns where the next
    /// piece starts.
    func rowPiece(in range: Range<Int>, at offset: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Int {
        let piece = try FileSystem.read(completed, count: min(1 << 20, range.upperBound - offset), at: offset, path: completedPath)
        // Up to the last line end (the rest starts the next piece), unless this is the end.
        let whole = offset + piece.count == range.upperBound ? piece.count : (piece.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? piece.count)
        try piece.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[..<whole])) }
        return offset + whole
    }

    /// A completed trial's records one at a time, read a piece at a time: several trials can be
    /// read side by side (the seeds of a configuration, window by window) in bounded memory.
    public struct RecordReader {
        let store: ResultStore
        let range: Range<Int>
        var offset: Int
        var buffered: [MetricRecord] = []
        var position = 0

        init(_ store: ResultStore, trial index: Int) {
            self.store = store
            range = store.finished[index]?.rows ?? 0..<0
            offset = range.lowerBound
        }

        /// The next record, without taking it.
        public mutating func peek() throws -> MetricRecord? {
            while position == buffered.count {
                guard offset < range.upperBound else { return nil }
                var records: [MetricRecord] = []
                swap(&records, &buffered)  // uniquely held: emptied in place, its storage reused
                records.removeAll(keepingCapacity: true)
                position = 0
                offset = try store.rowPiece(in: range, at: offset) { MetricRows.forEach($0) { records.append($0) } }
                buffered = records
            }
            return buffered[position]
        }

        public mutating func next() throws -> MetricRecord? {
            let record = try peek()
            if record != nil { position += 1 }
            return record
        }
    }

    /// A reader of the records of trial `index` (none unless it is complete).
    public func records(of index: Int) -> RecordReader { RecordReader(self, trial: index) }

    /// Calls `body` with every metric record of a completed trial, in the order they were
    /// recorded; with `perEpochOnly`, only the per-epoch ones.
    public func forEachRecord(of index: Int, perEpochOnly: Bool = false, _ body: (MetricRecord) -> Void) throws {
        try forEachRowPiece(of: index) { MetricRows.forEach($0, perEpochOnly: perEpochOnly, body) }
    }

    /// Seconds from the first trial's start to the last one's end.
    public var elapsedSeconds: Double {
        let entries = finished.compactMap { $0 }
        guard let first = entries.map(\.started).filter({ $0 > 0 }).min(), let last = entries.map(\.finished).max() else { return 0 }
        return last - first
    }
}
