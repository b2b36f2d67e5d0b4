/// One trial — a configuration and its seed — ready to run in this process.
///
///     let trial = try Trial(config)            // validates; throws ConfigurationError
///     let outcome = trial.run { record in … }  // metric records stream as they happen
///
/// The same configuration gives the same metric stream, bit for bit, on every run and host.
public struct Trial: Sendable {
    /// The configuration, resolved.
    public let config: TrialConfig

    public init(_ config: TrialConfig) throws {
        try config.validate()
        self.config = config.resolved
    }

    /// Runs the trial to its end, calling `onMetric` with each record as it is measured and
    /// `shouldStop` after every window (return true to cancel).
    public func run(shouldStop: () -> Bool = { false }, onMetric: (MetricRecord) -> Void) -> TrialOutcome {
        // Without a checkpoint nothing can throw.
        try! run(from: nil, shouldStop: shouldStop, onMetric: onMetric)
    }

    /// Runs the epochs after `checkpoint` (all, without one) up to epoch `last` (the end, without
    /// one) — stopping there before the end is `paused` — and hands a checkpoint to
    /// `onCheckpoint` at that epoch and after every `checkpointEvery`-th epoch before the last.
    /// Records and outcome are what an undisturbed run gives from the same point, bit for bit.
    /// Throws if the checkpoint is not this trial's.
    public func run(from checkpoint: TrialCheckpoint?, until last: Int? = nil, checkpointEvery: Int? = nil,
                    shouldStop: () -> Bool = { false }, onMetric: (MetricRecord) -> Void,
                    onCheckpoint: (TrialCheckpoint) -> Void = { _ in }) throws -> TrialOutcome {
        switch config.task {
        case .echo: try run(EchoTask(config), checkpoint, last, checkpointEvery, shouldStop, onMetric, onCheckpoint)
        case .rememberFirst: try run(RememberFirstTask(config), checkpoint, last, checkpointEvery, shouldStop, onMetric, onCheckpoint)
        case .copy: try run(CopyTask(config), checkpoint, last, checkpointEvery, shouldStop, onMetric, onCheckpoint)
        case .adding: try run(AddingTask(config), checkpoint, last, checkpointEvery, shouldStop, onMetric, onCheckpoint)
        }
    }

    /// The trainer specialised for the task and the precision.
    private func run<Task: SequenceTask>(_ task: Task, _ checkpoint: TrialCheckpoint?, _ last: Int?, _ every: Int?,
                                         _ shouldStop: () -> Bool, _ onMetric: (MetricRecord) -> Void,
                                         _ onCheckpoint: (TrialCheckpoint) -> Void) throws -> TrialOutcome {
        switch config.precision {
        case .f32:
            try Trainer<Float, Task>(config: config, task: task).run(from: checkpoint, until: last, checkpointEvery: every,
                                                                     shouldStop: shouldStop, onMetric: onMetric, onCheckpoint: onCheckpoint)
        case .f64:
            try Trainer<Double, Task>(config: config, task: task).run(from: checkpoint, until: last, checkpointEvery: every,
                                                                      shouldStop: shouldStop, onMetric: onMetric, onCheckpoint: onCheckpoint)
        }
    }
}
