/// Everything that determines a trial: the task, the network, the gradient method, the optimizer,
/// the data and the seed. Parameter names (`seq_len`, `bptt_t`, …) are the same on the command
/// line, in sweep files and as CSV columns; `TrialConfig+Parameters.swift` lists them with their
/// defaults, which are those of the BPTD write-up's seed experiment.
///
/// Two parameters have defaults that depend on others, as in the tools they come from:
/// `batch` (50 for echo, 64 for remember-first) and `weight_decay` (PyTorch's default for the
/// optimizer: 0.01 for adamw, 0 for adam, rmsprop and sgd). `resolved` fills them in; the
/// canonical form of a configuration, from which trial ids are hashed, is always resolved.
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
    /// 0 turns clipping off.
    public var clip = 1.0
    public var clipMode: ClipMode = .norm
    /// `nil` until resolved: 50 for echo, 64 for remember-first.
    public var batch: Int?
    public var seqLen = 2000
    public var bpttT = 20
    public var echo = 3
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
        return copy
    }

    /// The batch size in effect.
    public var batchSize: Int { batch ?? task.defaultBatch }
    /// The weight decay in effect.
    public var effectiveWeightDecay: Double { weightDecay ?? optimizer.defaultWeightDecay }
}

public enum TaskKind: String, CaseIterable, Sendable, Codable {
    /// Binary streams; the target is the input `echo` steps earlier.
    case echo
    /// Symbol sequences; the target at the last step is the first symbol.
    case rememberFirst = "remember-first"

    var defaultBatch: Int { self == .echo ? 50 : 64 }
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
    case adam, adamw, rmsprop, sgd

    /// PyTorch's default `weight_decay` for this optimizer.
    public var defaultWeightDecay: Double { self == .adamw ? 0.01 : 0 }
}

public enum ClipMode: String, CaseIterable, Sendable, Codable {
    /// Scale the (per-lag-group, under bptd) gradient down to global L2 norm `clip`.
    case norm
    /// Clamp every gradient entry to [−clip, clip].
    case value
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
