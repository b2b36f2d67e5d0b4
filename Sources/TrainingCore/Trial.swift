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
        switch config.task {
        case .echo: run(EchoTask(config), shouldStop: shouldStop, onMetric: onMetric)
        case .rememberFirst: run(RememberFirstTask(config), shouldStop: shouldStop, onMetric: onMetric)
        case .copy: run(CopyTask(config), shouldStop: shouldStop, onMetric: onMetric)
        case .adding: run(AddingTask(config), shouldStop: shouldStop, onMetric: onMetric)
        }
    }

    /// The trainer specialised for the task and the precision.
    private func run<Task: SequenceTask>(_ task: Task, shouldStop: () -> Bool, onMetric: (MetricRecord) -> Void) -> TrialOutcome {
        switch config.precision {
        case .f32: Trainer<Float, Task>(config: config, task: task).run(shouldStop: shouldStop, onMetric: onMetric)
        case .f64: Trainer<Double, Task>(config: config, task: task).run(shouldStop: shouldStop, onMetric: onMetric)
        }
    }
}
