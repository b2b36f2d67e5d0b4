import Testing
@testable import TrainingCore

/// A trial paused at an epoch's end and resumed from its checkpoint — in a new process's worth of
/// state — gives the bits of an undisturbed run.
@Suite struct CheckpointTests {
    static let small = ["seq_len": "60", "bptt_t": "10", "batch": "6", "hidden": "8", "epochs": "4", "metrics_every": "2"]

    static let cases: [[String: String]] = [
        ["method": "bptt"],
        ["method": "bptd", "optimizer": "adam", "amsgrad": "true"],
        ["method": "bptd", "lag_weighting": "cosine", "precision": "f64", "layers": "2"],
        ["method": "bptd", "lag_weighting": "snr", "optimizer": "rmsprop", "momentum": "0.5"],
        ["method": "bptd", "optimizer": "nsgd", "momentum": "0.9", "lag_weighting": "snr", "max_lag": "4", "lag_tail": "merge"],
        ["task": "remember-first", "seq_len": "6", "bptt_t": "3", "train_size": "12", "test_size": "5", "batch": "4", "classes": "3",
         "data": "fixed"],
    ]

    static func withoutTiming(_ records: [MetricRecord]) -> [MetricRecord] { records.filter { $0.metric != .wallSeconds } }

    @Test("paused at each epoch and resumed from the checkpoint's bytes: the same records and outcome", arguments: cases)
    func resume(_ changes: [String: String]) throws {
        let trial = try Trial(TrialConfig.with(Self.small.merging(changes) { $1 }))
        var whole: [MetricRecord] = []
        let undisturbed = trial.run { whole.append($0) }
        for pause in 1..<trial.config.epochs {
            var first: [MetricRecord] = [], second: [MetricRecord] = []
            var saved: TrialCheckpoint?
            let paused = try trial.run(from: nil, until: pause, onMetric: { first.append($0) }, onCheckpoint: { saved = $0 })
            #expect(paused.status == .paused && paused.epochsCompleted == pause)
            let checkpoint = try #require(saved.flatMap { TrialCheckpoint(bytes: $0.bytes) })
            #expect(checkpoint.epoch == pause && checkpoint.step == paused.steps)
            let resumed = try trial.run(from: checkpoint, onMetric: { second.append($0) })
            #expect(Self.withoutTiming(first + second) == Self.withoutTiming(whole), "paused after epoch \(pause)")
            var expected = undisturbed, found = resumed
            (expected.trainingSeconds, found.trainingSeconds) = (0, 0)
            #expect(found == expected)
        }
    }

    @Test("checkpoints every epoch while running change nothing; a checkpoint of another trial is refused")
    func everyEpochAndRefusal() throws {
        let trial = try Trial(TrialConfig.with(Self.small.merging(["method": "bptd"]) { $1 }))
        var plain: [MetricRecord] = [], checkpointed: [MetricRecord] = []
        var checkpoints: [TrialCheckpoint] = []
        _ = trial.run { plain.append($0) }
        _ = try trial.run(from: nil, checkpointEvery: 1, onMetric: { checkpointed.append($0) }, onCheckpoint: { checkpoints.append($0) })
        #expect(Self.withoutTiming(plain) == Self.withoutTiming(checkpointed) && checkpoints.map(\.epoch) == [1, 2, 3])
        let other = try Trial(TrialConfig.with(Self.small.merging(["hidden": "9"]) { $1 }))
        #expect(throws: CheckpointError.self) { try other.run(from: checkpoints[0], onMetric: { _ in }) }
        let wider = try Trial(TrialConfig.with(Self.small.merging(["precision": "f64"]) { $1 }))
        #expect(throws: CheckpointError(reason: "another precision")) { try wider.run(from: checkpoints[0], onMetric: { _ in }) }
        #expect(TrialCheckpoint(bytes: Array(checkpoints[0].bytes.prefix(10))) == nil)
        var cut = checkpoints[0].bytes
        cut.removeLast(3)
        #expect(throws: CheckpointError.self) { try trial.run(from: TrialCheckpoint(bytes: cut)!, onMetric: { _ in }) }
    }
}
