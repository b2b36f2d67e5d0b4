/// Everything that determines a trial: the task, the network, the gradient method, the optimizer,
/// the data and the seed. Parameter names (`seq_len`, `bptt_t`, …) are the same on the command
/// line, in sweep files and as CSV columns; `TrialConfig+Parameters.swift` lists them with their
/// defaults, which are those of the BPTD write-up's seed experiment.
///
/// Three parameters have defaults that depend on others, as in the tools they come from:
/// `batch` (50 for echo, 64 for the other tasks), `weight_decay` (PyTorch's default for the
/// optimizer: 0.01 for adamw, 0 for the others) and `seq_len` (2000; for copy, `delay` + 20).
/// `resolved` fills them in; the canonical form of a configuration, from which trial ids are
/// hashed, is always resolved.
public struct TrialConfig: Sendable, Hashable {
    public var task: TaskKind = .echo
    public var method: TrainingMethod = .bptt
    public var layers = 1
    public var hidden = 20
    public var nonlinearity: Nonlinearity = .tanh
    public var optimizer: OptimizerKind = .adamw
    public var lr = 3e-4
    public var beta1 = 0.95
    public var beta2 = 0.95
    public var eps = 1e-8
    /// `nil` until resolved: the optimizer's PyTorch default.
    public var weightDecay: Double?
    public var momentum = 0.0
    public var alpha = 0.99
    /// Adam and AdamW: PyTorch's `amsgrad=True`.
    public var amsgrad = false
    /// nsgd: the norm each group's gradient is divided by.
    public var normP: NormP = .two
    /// 0 turns clipping off.
    public var clip = 1.0
    public var clipMode: ClipMode = .norm
    /// BPTD: how each lag group's step is weighted, and the decay of the averages behind it.
    public var lagWeighting: LagWeighting = .none
    public var lagWeightBeta = 0.95
    /// BPTD: the longest lag kept as a group of its own; `nil` keeps all T.
    public var maxLag: Int?
    /// BPTD: what becomes of the lags beyond `maxLag`.
    public var lagTail: LagTail = .drop
    /// `nil` until resolved: 50 for echo, 64 for the other tasks.
    public var batch: Int?
    /// `nil` until resolved: 2000, or `delay` + 20 for copy.
    public var seqLen: Int?
    public var bpttT = 20
    public var echo = 3
    /// copy: blank steps between the 10 symbols and the end of the delimiter.
    public var delay = 100
    public var classes = 8
    public var trainSize = 512
    public var testSize = 128
    public var epochs = 5
    public var data: DataMode = .fresh
    public var lossAt: LossPosition = .every
    public var precision: Precision = .f32
    public var metricsEvery = 10
    public var seed: UInt64 = 0

    public init() {}

    /// This configuration with the context-dependent defaults filled in.
    public var resolved: TrialConfig {
        var copy = self
        copy.weightDecay = weightDecay ?? optimizer.defaultWeightDecay
        copy.batch = batch ?? task.defaultBatch
        copy.seqLen = sequenceLength
        return copy
    }

    /// The batch size in effect.
    public var batchSize: Int { batch ?? task.defaultBatch }
    /// The sequence length in effect.
    public var sequenceLength: Int { seqLen ?? (task == .copy ? CopyTask.length(delay: delay) : 2000) }
    /// Gradient groups per window: 1 under BPTT; under BPTD one per lag up to `max_lag`.
    public var gradientGroups: Int { method == .bptt ? 1 : min(bpttT, (maxLag ?? bpttT) + 1) }
    /// The weight decay in effect.
    public var effectiveWeightDecay: Double { weightDecay ?? optimizer.defaultWeightDecay }
}

public enum TaskKind: String, CaseIterable, Sendable, Codable {
    /// Binary streams; the target is the input `echo` steps earlier.
    case echo
    /// Symbol sequences; the target at the last step is the first symbol.
    case rememberFirst = "remember-first"
    /// Arjovsky et al.'s copying memory problem: 10 symbols, a delay, then the 10 symbols back.
    case copy
    /// Arjovsky et al.'s adding problem: the sum of the two marked values of a sequence.
    case adding

    var defaultBatch: Int { self == .echo ? 50 : 64 }

    /// Whether its trials report train_acc and test_acc (adding's mean squared error has no accuracy).
    public var reportsAccuracy: Bool { self != .adding }
}

public enum TrainingMethod: String, CaseIterable, Sendable, Codable {
    /// Truncated backpropagation through time.
    case bptt
    /// Backpropagation through depth: the gradient split by temporal lag, one optimizer per lag.
    case bptd
}

public enum Nonlinearity: String, CaseIterable, Sendable, Codable {
    case tanh, relu
}

public enum OptimizerKind: String, CaseIterable, Sendable, Codable {
    /// `nsgd`: normalised SGD, each group's gradient divided by its L_p norm (Yu et al. 2017).
    case adam, adamw, rmsprop, sgd, nsgd

    /// PyTorch's default `weight_decay` for this optimizer (SGD's for nsgd).
    public var defaultWeightDecay: Double { self == .adamw ? 0.01 : 0 }
    /// Whether the rule keeps Adam's moments (and so can take `amsgrad`).
    public var isAdam: Bool { self == .adam || self == .adamw }
}

/// The norm nsgd divides each group's gradient by.
public enum NormP: String, CaseIterable, Sendable, Codable {
    case one = "1", two = "2", infinity = "inf"
}

public enum ClipMode: String, CaseIterable, Sendable, Codable {
    /// Scale the (per-lag-group, under bptd) gradient down to global L2 norm `clip`.
    case norm
    /// Clamp every gradient entry to [−clip, clip].
    case value
    /// Pascanu et al.'s rescaling: scale the (per-lag-group) gradient to L2 norm `clip` on every
    /// step, smaller or larger.
    case rescale
}

/// BPTD: how the step of each lag group is weighted (`LagWeights`).
public enum LagWeighting: String, CaseIterable, Sendable, Codable {
    /// Every group steps in full.
    case none
    /// By the average cosine of the group's consecutive gradients.
    case cosine
    /// By the group's signal-to-noise ratio, mean |m̂|/(√v̂ + ε).
    case snr
}

/// BPTD with `max_lag`: what becomes of the lags beyond it.
public enum LagTail: String, CaseIterable, Sendable, Codable {
    /// Left out (and not computed).
    case drop
    /// Summed into the group of lag `max_lag`, so the groups still sum to the BPTT gradient.
    case merge
}

public enum DataMode: String, CaseIterable, Sendable, Codable {
    /// New training data every epoch.
    case fresh
    /// One set of training data, reused every epoch.
    case fixed
}

public enum LossPosition: String, CaseIterable, Sendable, Codable {
    /// A loss term at every step of the window.
    case every
    /// A loss term at the window's last step only (the write-up's "simplified update").
    case last
}

public enum Precision: String, CaseIterable, Sendable, Codable {
    case f32, f64
}
