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
        switch (config.precision, config.task) {
        case (.f32, .echo):
            Trainer<Float, EchoTask>(config: config, task: EchoTask(config)).run(shouldStop: shouldStop, onMetric: onMetric)
        case (.f64, .echo):
            Trainer<Double, EchoTask>(config: config, task: EchoTask(config)).run(shouldStop: shouldStop, onMetric: onMetric)
        case (.f32, .rememberFirst):
            Trainer<Float, RememberFirstTask>(config: config, task: RememberFirstTask(config))
                .run(shouldStop: shouldStop, onMetric: onMetric)
        case (.f64, .rememberFirst):
            Trainer<Double, RememberFirstTask>(config: config, task: RememberFirstTask(config))
                .run(shouldStop: shouldStop, onMetric: onMetric)
        }
    }
}
