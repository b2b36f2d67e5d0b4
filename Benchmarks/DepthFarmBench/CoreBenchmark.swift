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
        // One epoch of the windows wanted: seq_len = windows × bptt_t.
        let config = try configuration(c, windows: Int(Double(c.windows) * scale))
        let outcome = try Trial(config).run { _ in }
        return outcome.windowsPerSecond
    }

    /// Floating-point operations of the matrix products of one window of `c` (echo: 1 input,
    /// 1 output, one layer), counting the batch's real lanes only — what the "limit" of issue 18's
    /// table counts, so limit = FMA rate / these. Per step: forward 2·H·(I+H)·B and read-out 2·H·B;
    /// BPTT's backward the direct sensitivity, W_hhᵀ·E for T−1 steps and the weight gradients
    /// for T; BPTD's the weight gradients over T−Δ steps and W_hhᵀ·E over T−Δ−1 at each lag Δ
    /// kept (max_lag K: Δ < K, plus one BPTT-like sweep for a merged tail).
    static func flops(_ c: Case) throws -> Double {
        let config = try configuration(c, windows: 1)
        let h = Double(config.hidden), b = Double(config.batchSize), t = config.bpttT
        let step = 2 * h * (1 + h) * b  // W_ih·x + W_hh·h, or their gradients
        let recurrent = 2 * h * h * b, readout = 2 * h * b
        let forward = Double(t) * (step + readout)
        let direct = Double(t) * readout, readoutGradient = Double(t) * readout
        switch config.method {
        case .bptt:
            let backward: Double = recurrent * Double(t - 1) + step * Double(t)
            return forward + direct + backward + readoutGradient
        case .bptd:
            let kept = min(config.maxLag.map { $0 + 1 } ?? t, t)
            var total = forward + direct + readoutGradient
            for lag in 0..<kept {
                let steps = Double(t - lag), handed = Double(max(0, t - lag - 1))
                total += step * steps + recurrent * handed
            }
            if kept < t && config.lagTail == .merge {
                let steps = Double(t - kept), handed = Double(max(0, t - kept - 1))
                total += step * steps + recurrent * handed
            }
            return total
        }
    }

    /// The trial configuration of `c` with one epoch of `windows` windows.
    static func configuration(_ c: Case, windows: Int) throws -> TrialConfig {
        var config = TrialConfig()
        config.method = c.method
        config.hidden = c.hidden
        config.precision = c.precision
        config.echo = 3
        for (name, value) in c.changes { try config.set(name, to: value) }
        config.seqLen = max(1, windows) * config.bpttT
        config.epochs = 1
        return config
    }
}
