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
    /// Adam and AdamW: divide by the running maximum of the second moment.
    public var amsgrad: Bool
    /// nsgd: the norm each gradient is divided by.
    public var normP: NormP

    public init(kind: OptimizerKind, lr: Double, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                weightDecay: Double? = nil, momentum: Double = 0, alpha: Double = 0.99, amsgrad: Bool = false,
                normP: NormP = .two) {
        self.kind = kind
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay ?? kind.defaultWeightDecay
        self.momentum = momentum
        self.alpha = alpha
        self.amsgrad = amsgrad
        self.normP = normP
    }

    public init(_ config: TrialConfig) {
        self.init(kind: config.optimizer, lr: config.lr, beta1: config.beta1, beta2: config.beta2, eps: config.eps,
                  weightDecay: config.effectiveWeightDecay, momentum: config.momentum, alpha: config.alpha,
                  amsgrad: config.amsgrad, normP: config.normP)
    }
}

/// One optimizer: its settings, step count and moment buffers over the first `count`
/// parameters. Under BPTD there is one per lag group, all stepping the same parameters.
///
/// The update rules, one file each, follow PyTorch's single-tensor implementations operation
/// by operation: `Optimizer+Adam.swift` (Adam, AdamW, AMSGrad), `Optimizer+RMSprop.swift`,
/// `Optimizer+SGD.swift` (SGD and normalised SGD).
///
/// A step can be weighted (BPTD's `lag_weighting`): with weight w the parameters move by w·Δθ,
/// Δθ being the whole update the rule would make (decoupled decay included), while the rule's
/// own state — moments, momentum buffers, step count — evolves exactly as unweighted. The weight
/// scales the learning rate where it enters, so w = 1 gives the unweighted bits.
public final class Optimizer<T: Scalar> {
    public let settings: OptimizerSettings
    /// How many parameters (a prefix of the layout) this optimizer updates.
    public let count: Int
    /// Steps taken so far (PyTorch's `state['step']`).
    public internal(set) var steps = 0
    /// Adam's `exp_avg`; the `momentum_buffer` of RMSprop, SGD and nsgd. Empty when the rule has none.
    public let firstMoment: Buffer<T>
    /// Adam's `exp_avg_sq`; RMSprop's `square_avg`. Empty when the rule has none.
    public let secondMoment: Buffer<T>
    /// AMSGrad's `max_exp_avg_sq`. Empty without `amsgrad`.
    public let maximumSecondMoment: Buffer<T>

    public init(_ settings: OptimizerSettings, count: Int) {
        self.settings = settings
        self.count = count
        let hasFirst: Bool, hasSecond: Bool
        switch settings.kind {
        case .adam, .adamw: (hasFirst, hasSecond) = (true, true)
        case .rmsprop: (hasFirst, hasSecond) = (settings.momentum > 0, true)
        case .sgd, .nsgd: (hasFirst, hasSecond) = (settings.momentum > 0, false)
        }
        firstMoment = Buffer(count: hasFirst ? count : 0)
        secondMoment = Buffer(count: hasSecond ? count : 0)
        maximumSecondMoment = Buffer(count: settings.kind.isAdam && settings.amsgrad ? count : 0)
    }

    /// Updates `parameters[0 ..< count]` in place from `gradients[0 ..< count]`, moving them by
    /// `weight` times the rule's update.
    public func step(parameters: UnsafeMutablePointer<T>, gradients: UnsafePointer<T>, weight: Double = 1) {
        steps += 1
        switch settings.kind {
        case .adam, .adamw: adamStep(parameters, gradients, weight: weight)
        case .rmsprop: rmspropStep(parameters, gradients, weight: weight)
        case .sgd: sgdStep(parameters, gradients, scale: 1, weight: weight)
        case .nsgd: sgdStep(parameters, gradients, scale: normalisation(gradients), weight: weight)
        }
    }
}
