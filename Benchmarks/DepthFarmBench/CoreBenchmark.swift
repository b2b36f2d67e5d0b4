import TrainingCore

/// Training-core speed: windows per second of one trial in this process, with the seed
/// experiment's settings (echo, batch 50, bptt_t 20, AdamW, clip 1, metrics every 10 windows).
struct CoreBenchmark {
    struct Case {
        let name: String
        let method: TrainingMethod
        let hidden: Int
        let precision: Precision
        /// Windows to train per measurement (about a second's worth once fast).
        let windows: Int
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
    ]

    /// Windows per second of one run of `c` (training time only, test passes excluded).
    static func measure(_ c: Case, scale: Double) throws -> Double {
        var config = TrialConfig()
        config.method = c.method
        config.hidden = c.hidden
        config.precision = c.precision
        // One epoch of the windows wanted: seq_len = windows × bptt_t.
        config.seqLen = max(20, Int(Double(c.windows) * scale) * 20)
        config.epochs = 1
        config.echo = 3
        let outcome = try Trial(config).run { _ in }
        return outcome.windowsPerSecond
    }

    /// Floating-point operations of one BPTT window of the seed experiment at hidden H (the
    /// matrix products only: forward, backward and weight gradients, each 2·H·(H+I)·B per step).
    static func bpttFlops(hidden h: Int, batch b: Int = 50, steps t: Int = 20) -> Double {
        Double(3 * 2 * h * (h + 1) * b * t + 2 * 2 * h * b * t)
    }
}
