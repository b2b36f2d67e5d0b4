/// BPTD's lag weighting (`lag_weighting`): each lag group Δ steps by w_Δ ∈ [0, 1] times its
/// optimizer's update Δθ (see `Optimizer` for how a weight enters each rule), w_Δ computed from
/// that group's own history once its current gradient G_Δ(t) is known and before its step — the
/// BPTD write-up's proposal to trust a lag by how consistent its past gradients have been.
///
/// - `cosine`: c_Δ(t) = cos(G_Δ(t), G_Δ(t−1)) on the gradients before clipping (the `grad_cos`
///   metric), averaged with decay β = `lag_weight_beta` and bias-corrected as Adam's moments,
///   a_n = β·a_{n−1} + (1 − β)·c_n, w = clamp(a_n / (1 − β^n), 0, 1), n the cosines seen. On a
///   group's first window there is no cosine yet: w = 1.
/// - `snr`: w = (1/n) Σ_i min(1, |m̂_i| / (√v̂_i + ε)) over the group's n parameters — the
///   signal-to-noise reading of Adam's update (Orvieto & Gower: m/√v ≈ sign(g)/√(1 + Var/E²)).
///   For adam and adamw m̂, v̂ are the group optimizer's own bias-corrected moments after
///   absorbing this window's gradient (exp_avg_sq, not AMSGrad's maximum); for the other rules
///   they are averages of the clipped gradient and its square kept for the purpose, with decay
///   β = `lag_weight_beta` and the same bias correction. On the first window m̂ = g and v̂ = g²,
///   so w is the fraction of the group's parameters with a non-zero gradient (about 1).
///
/// Allocated once per trial; nothing here allocates per window.
final class LagWeights<T: Scalar> {
    let mode: LagWeighting
    let beta: Double
    let eps: Double
    /// Parameters per group (P; the groups' optimizers cover a prefix of it).
    let stride: Int
    /// Each group's weight in the current window (1 until computed).
    private(set) var weights: [Double]
    /// cosine: each group's running average of cosines (not yet bias-corrected) and their count.
    private var cosineAverage: [Double]
    private var cosines: [Int]
    /// snr with a non-Adam optimizer: the averages of g and g² kept for the purpose (groups × P),
    /// and each group's count of them.
    private let mean: Buffer<T>
    private let meanSquare: Buffer<T>
    private var averaged: [Int]
    /// Tests only: every group steps with this weight instead (the weighting is still computed).
    var forcedWeight: Double?

    init(_ config: TrialConfig, groups: Int, stride: Int) {
        mode = config.lagWeighting
        beta = config.lagWeightBeta
        eps = config.eps
        self.stride = stride
        weights = [Double](repeating: 1, count: groups)
        cosineAverage = [Double](repeating: 0, count: groups)
        cosines = [Int](repeating: 0, count: groups)
        let keepsAverages = mode == .snr && !config.optimizer.isAdam
        mean = Buffer(count: keepsAverages ? groups * stride : 0)
        meanSquare = Buffer(count: keepsAverages ? groups * stride : 0)
        averaged = [Int](repeating: 0, count: groups)
    }

    /// cosine: takes c_Δ(t) (nil on the group's first window) and sets the group's weight.
    func observe(group: Int, cosine: Double?) {
        guard let cosine else { return record(group, 1) }
        cosines[group] += 1
        cosineAverage[group] = beta * cosineAverage[group] + (1 - beta) * cosine  // a ← β·a + (1 − β)·c
        let unbiased = cosineAverage[group] / (1 - power(beta, cosines[group]))  // a / (1 − β^n)
        record(group, min(1, max(0, unbiased)))  // w = clamp(â, 0, 1)
    }

    /// snr from Adam's moments: the optimizer's `updateAdamMoments` statistic.
    func observe(group: Int, signalToNoise: Double) {
        record(group, signalToNoise)
    }

    /// snr for a non-Adam optimizer: the averages absorb the group's (clipped) gradient `g`
    /// over its `count` parameters, and the weight follows from them.
    func observe(group: Int, gradient g: UnsafePointer<T>, count: Int) {
        averaged[group] += 1
        let m = mean.base + group * stride, v = meanSquare.base + group * stride
        let b = T(beta), b1 = T(1 - beta)
        let correction = 1 - power(beta, averaged[group])
        let unbias = T(1 / correction), root = T(correction.squareRoot()), e = T(eps)
        var total = 0.0
        for i in 0..<count {
            m[i] = b * m[i] + b1 * g[i]  // m ← β·m + (1 − β)·g
            v[i] = b * v[i] + b1 * g[i] * g[i]  // v ← β·v + (1 − β)·g²
            let denominator = v[i].squareRoot() / root + e  // √v̂ + ε
            if denominator > 0 { total += Double(min(1, (m[i] * unbias).magnitude / denominator)) }  // min(1, |m̂|/(√v̂ + ε))
        }
        record(group, count > 0 ? total / Double(count) : 0)
    }

    /// The history behind the weights, into a checkpoint.
    func write(to writer: inout CheckpointWriter) {
        writer.section(weights)
        writer.section(cosineAverage)
        writer.section(cosines)
        writer.section(mean)
        writer.section(meanSquare)
        writer.section(averaged)
    }

    /// The history behind the weights, from a checkpoint.
    func read(from reader: inout CheckpointReader) throws {
        try reader.section(into: &weights, "the lag weights")
        try reader.section(into: &cosineAverage, "the lag weights' cosines")
        try reader.section(into: &cosines, "the lag weights' cosine counts")
        try reader.section(into: mean, "the lag weights' averages")
        try reader.section(into: meanSquare, "the lag weights' averages of squares")
        try reader.section(into: &averaged, "the lag weights' counts")
    }

    private func record(_ group: Int, _ weight: Double) {
        weights[group] = forcedWeight ?? weight
    }
}
