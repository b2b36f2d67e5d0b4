import TrainingCore

/// Training-core speed: windows per second of one trial in this process, with the seed
/// experiment's settings (echo, batch 50, bptt_t 20, AdamW, clip 1, metrics every 10 windows)
/// unless a case changes them.
struct CoreBenchmark {
    struct Case {
        let name: String
        let method: TrainingMethod
        let hidden: Int
        let precision: Precision
        /// Windows to train per measurement (about a second's worth once fast).
        let windows: Int
        /// Other parameters, by name (issue 15's options).
        var changes: [(String, String)] = []
    }

    static let cases: [Case] = [
        Case(name: "bptt hidden 4", method: .bptt, hidden: 4, precision: .f32, windows: 20_000),
        Case(name: "bptd hidden 4", method: .bptd, hidden: 4, precision: .f32, windows: 10_000),
        Case(name: "bptt hidden 32", method: .bptt, hidden: 32, precision: .f32, windows: 4_000),
        Case(name: "bptd hidden 32", method: .bptd, hidden: 32, precision: .f32, windows: 1_000),
        Case(name: "bptt hidden 128", method: .bptt, hidden: 128, precision: .f32, windows: 400),
        Case(name: "bptd hidden 128", method: .bptd, hidden: 128, precision: .f32, windows: 100),
        Case(name: "bptt hidden 32 f64", method: .bptt, hidden: 32, precision: .f64, windows: 2_000),
        Case(name: "bptd hidden 32 f64", method: .bptd, hidden: 32, precision: .f64, windows: 500),
        // The lag weightings against plain BPTD hidden 32 above.
        Case(name: "bptd hidden 32 lag_weighting cosine", method: .bptd, hidden: 32, precision: .f32, windows: 1_000,
             changes: [("lag_weighting", "cosine")]),
        Case(name: "bptd hidden 32 lag_weighting snr", method: .bptd, hidden: 32, precision: .f32, windows: 1_000,
             changes: [("lag_weighting", "snr")]),
        // max_lag at twice the echo (the unattributed draft's cut-off), T 20 and T 100.
        Case(name: "bptd hidden 20", method: .bptd, hidden: 20, precision: .f32, windows: 2_000),
        Case(name: "bptd hidden 20 max_lag 6 drop", method: .bptd, hidden: 20, precision: .f32, windows: 4_000,
             changes: [("max_lag", "6")]),
        Case(name: "bptd hidden 20 max_lag 6 merge", method: .bptd, hidden: 20, precision: .f32, windows: 4_000,
             changes: [("max_lag", "6"), ("lag_tail", "merge")]),
        Case(name: "bptd T 100 hidden 20 batch 5 echo 5", method: .bptd, hidden: 20, precision: .f32, windows: 300,
             changes: Self.long),
        Case(name: "bptd T 100 hidden 20 batch 5 echo 5 max_lag 10 drop", method: .bptd, hidden: 20, precision: .f32, windows: 1_500,
             changes: Self.long + [("max_lag", "10")]),
        Case(name: "bptd T 100 hidden 20 batch 5 echo 5 max_lag 10 merge", method: .bptd, hidden: 20, precision: .f32, windows: 1_500,
             changes: Self.long + [("max_lag", "10"), ("lag_tail", "merge")]),
    ]

    static let long = [("bptt_t", "100"), ("batch", "5"), ("echo", "5")]

    /// Windows per second of one run of `c` (training time only, test passes excluded).
    static func measure(_ c: Case, scale: Double) throws -> Double {
        var config = TrialConfig()
        config.method = c.method
        config.hidden = c.hidden
        config.precision = c.precision
        config.echo = 3
        for (name, value) in c.changes { try config.set(name, to: value) }
        // One epoch of the windows wanted: seq_len = windows × bptt_t.
        config.seqLen = max(1, Int(Double(c.windows) * scale)) * config.bpttT
        config.epochs = 1
        let outcome = try Trial(config).run { _ in }
        return outcome.windowsPerSecond
    }

    /// Floating-point operations of one BPTT window of the seed experiment at hidden H (the
    /// matrix products only: forward, backward and weight gradients, each 2·H·(H+I)·B per step).
    static func bpttFlops(hidden h: Int, batch b: Int = 50, steps t: Int = 20) -> Double {
        Double(3 * 2 * h * (h + 1) * b * t + 2 * 2 * h * b * t)
    }
}
