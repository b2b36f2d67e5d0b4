/// The hyperparameters of one optimizer, as in PyTorch's constructors.
public struct OptimizerSettings: Sendable, Equatable {
    public var kind: OptimizerKind
    public var lr: Double
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var weightDecay: Double
    public var momentum: Double
    public var alpha: Double

    public init(kind: OptimizerKind, lr: Double, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                weightDecay: Double? = nil, momentum: Double = 0, alpha: Double = 0.99) {
        self.kind = kind
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay ?? kind.defaultWeightDecay
        self.momentum = momentum
        self.alpha = alpha
    }

    public init(_ config: TrialConfig) {
        self.init(kind: config.optimizer, lr: config.lr, beta1: config.beta1, beta2: config.beta2, eps: config.eps,
                  weightDecay: config.effectiveWeightDecay, momentum: config.momentum, alpha: config.alpha)
    }
}

/// One optimizer: its settings, step count and moment buffers over the first `count`
/// parameters. Under BPTD there is one per lag group, all stepping the same parameters.
///
/// The update rules, one file each, follow PyTorch's single-tensor implementations operation
/// by operation: `Optimizer+Adam.swift` (Adam, AdamW), `Optimizer+RMSprop.swift`,
/// `Optimizer+SGD.swift`.
public final class Optimizer<T: Scalar> {
    public let settings: OptimizerSettings
    /// How many parameters (a prefix of the layout) this optimizer updates.
    public let count: Int
    /// Steps taken so far (PyTorch's `state['step']`).
    public private(set) var steps = 0
    /// Adam's `exp_avg`; RMSprop's and SGD's `momentum_buffer`. Empty when the rule has none.
    public let firstMoment: Buffer<T>
    /// Adam's `exp_avg_sq`; RMSprop's `square_avg`. Empty when the rule has none.
    public let secondMoment: Buffer<T>

    public init(_ settings: OptimizerSettings, count: Int) {
        self.settings = settings
        self.count = count
        let hasFirst: Bool, hasSecond: Bool
        switch settings.kind {
        case .adam, .adamw: (hasFirst, hasSecond) = (true, true)
        case .rmsprop: (hasFirst, hasSecond) = (settings.momentum > 0, true)
        case .sgd: (hasFirst, hasSecond) = (settings.momentum > 0, false)
        }
        firstMoment = Buffer(count: hasFirst ? count : 0)
        secondMoment = Buffer(count: hasSecond ? count : 0)
    }

    /// Updates `parameters[0 ..< count]` in place from `gradients[0 ..< count]`.
    public func step(parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>) {
        steps += 1
        switch settings.kind {
        case .adam, .adamw: adamStep(parameters, gradients)
        case .rmsprop: rmspropStep(parameters, gradients)
        case .sgd: sgdStep(parameters, gradients)
        }
    }
}
