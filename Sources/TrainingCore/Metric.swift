/// The metrics a trial reports. Raw values are the names used in every output (CSV `metric`
/// column). "Per window" metrics come every `metrics_every` windows and carry the window's
/// step; "per epoch" metrics carry no step.
public enum Metric: String, CaseIterable, Sendable, Codable {
    // Per window.
    /// The window's mean loss.
    case trainLoss = "train_loss"
    /// L2 norm of the gradient before clipping; per lag group (`lag` = Δ) under BPTD, where the
    /// row without a lag is the norm of the whole window's gradient Σ_Δ G[Δ].
    case gradNorm = "grad_norm"
    /// Cosine similarity of the gradient (per lag group under BPTD) with the same group's
    /// gradient in the previous window.
    case gradCosine = "grad_cos"
    /// BPTD with `lag_weighting`: the weight w_Δ ∈ [0, 1] group Δ stepped with (`lag` = Δ; see
    /// `LagWeights`).
    case lagWeight = "lag_weight"
    /// Frobenius norm of `weight_hh_l0` (after the window's update).
    case weightHHNorm = "weight_hh_l0_norm"
    /// Largest singular value of `weight_hh_l0`.
    case weightHHSigmaMax = "weight_hh_l0_sigma_max"
    /// L2 norm of the optimizer's first moment for `weight_hh_l0` (Adam's exp_avg, the momentum
    /// buffer of SGD and RMSprop); per lag under BPTD.
    case weightHHFirstMomentNorm = "weight_hh_l0_m_norm"
    /// L2 norm of the optimizer's second moment for `weight_hh_l0` (Adam's exp_avg_sq,
    /// RMSprop's square_avg); per lag under BPTD.
    case weightHHSecondMomentNorm = "weight_hh_l0_v_norm"
    /// The same four for the second layer's `weight_hh_l1`, when there is one.
    case weightHH1Norm = "weight_hh_l1_norm"
    case weightHH1SigmaMax = "weight_hh_l1_sigma_max"
    case weightHH1FirstMomentNorm = "weight_hh_l1_m_norm"
    case weightHH1SecondMomentNorm = "weight_hh_l1_v_norm"

    // Per epoch (train_loss also: the mean over the epoch's windows).
    /// Fraction of scored training positions predicted correctly during the epoch (not for
    /// adding, which has no accuracy).
    case trainAccuracy = "train_acc"
    /// Mean loss over every test loss term, one pass from h = 0: per position (echo, copy — for
    /// copy the cross-entropy per step, memoryless baseline 10·log 8/(delay + 20)) or per test
    /// sequence (remember-first; adding: the mean squared error, baseline 0.167).
    case testLoss = "test_loss"
    /// Fraction of test positions predicted correctly, one pass from h = 0: every position
    /// (echo), the last step (remember-first), the 10 output symbols (copy). Not for adding.
    case testAccuracy = "test_acc"
    /// Wall-clock seconds of the epoch, test included.
    case wallSeconds = "wall_seconds"
    /// ‖∂L/∂h_t‖ in the epoch's last window (L the window's loss, the norm over batch, units
    /// and layers), with `lag` = T − t: how far before the window's last step h_t lies. The
    /// vanishing-gradient probe.
    case stateGradientNorm = "dldh_norm"
}

/// One measurement of a trial. No allocation: it is passed by value to the metric callback
/// as it happens.
public struct MetricRecord: Sendable, Equatable {
    /// 1-based epoch.
    public var epoch: Int
    /// 1-based count of parameter updates (windows with a loss) so far in the trial; `nil` for
    /// per-epoch records.
    public var step: Int?
    public var metric: Metric
    /// The temporal lag Δ (or T − t for `dldh_norm`); `nil` where it does not apply.
    public var lag: Int?
    public var value: Double

    public init(epoch: Int, step: Int?, metric: Metric, lag: Int? = nil, value: Double) {
        self.epoch = epoch
        self.step = step
        self.metric = metric
        self.lag = lag
        self.value = value
    }
}

extension Metric {
    /// The values the metric can take: a confidence interval (mean ± t·sem) may reach beyond
    /// them — below 0 for a loss, above 1 for an accuracy — and is shown clipped to them.
    public var range: (lower: Double, upper: Double) {
        switch self {
        case .trainAccuracy, .testAccuracy, .lagWeight: return (0, 1)
        case .gradCosine: return (-1, 1)
        default: return (0, .infinity)  // losses, norms, singular values, seconds
        }
    }
}
