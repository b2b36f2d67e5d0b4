/// How a window's logits are scored.
public enum LossKind: Sendable {
    /// Binary cross-entropy with logits per output (PyTorch's `BCEWithLogitsLoss`), mean over
    /// every loss term (batch × loss steps × outputs). Correct: (z > 0) == y.
    case binaryCrossEntropy
    /// Softmax cross-entropy over the outputs (PyTorch's `CrossEntropyLoss`), mean over batch ×
    /// loss steps. Correct: the first largest logit is the target class.
    case softmaxCrossEntropy
}

/// Which steps of a window (1 … T) carry loss terms and which are scored for accuracy.
public struct WindowTargets: Sendable, Equatable {
    /// Steps with a loss term; `nil` when the window has none (it is run forward only).
    public var lossSteps: ClosedRange<Int>?
    /// Steps counted in the accuracy; `nil` for none.
    public var scoredSteps: ClosedRange<Int>?

    public init(lossSteps: ClosedRange<Int>?, scoredSteps: ClosedRange<Int>?) {
        self.lossSteps = lossSteps
        self.scoredSteps = scoredSteps
    }
}

/// What a window's loss evaluation found.
public struct WindowScore: Sendable {
    /// Σ of the loss terms (not yet divided by `lossTerms`).
    public var lossSum = 0.0
    public var lossTerms = 0
    public var correct = 0
    public var scored = 0
    /// The mean loss of the window.
    public var loss: Double { lossTerms > 0 ? lossSum / Double(lossTerms) : 0 }
}

public enum Loss {
    /// Scores the logits of `w` against its targets and, unless `gradients` is false, writes
    /// ∂L/∂z (L the mean over loss terms) into `w.logitGradients`, zero outside the loss steps.
    public static func evaluate<T: Scalar>(_ w: WindowBuffers<T>, kind: LossKind, targets: WindowTargets,
                                           gradients: Bool) -> WindowScore {
        let b = w.batch, n = w.columns, o = w.shape.outputs
        let z = UnsafePointer(w.logits.base), y = UnsafePointer(w.targets.base)
        var score = WindowScore()
        if gradients { w.logitGradients.zero() }
        switch kind {
        case .binaryCrossEntropy:
            if let steps = targets.lossSteps {
                let c0 = (steps.lowerBound - 1) * b, count = steps.count * b
                score.lossTerms = count * o
                let scale = 1 / T(score.lossTerms)
                for i in 0..<o {
                    let r = i * n + c0
                    var sum = 0.0
                    for j in 0..<count { sum += Double(T.binaryCrossEntropy(logit: z[r + j], target: y[r + j])) }
                    score.lossSum += sum
                    if gradients {
                        let dz = w.logitGradients.base
                        for j in 0..<count { dz[r + j] = (T.sigmoid(z[r + j]) - y[r + j]) * scale }
                    }
                }
            }
            if let steps = targets.scoredSteps {
                let c0 = (steps.lowerBound - 1) * b, count = steps.count * b
                score.scored = count * o
                for i in 0..<o {
                    let r = i * n + c0
                    for j in 0..<count where (z[r + j] > 0) == (y[r + j] > 0.5) { score.correct += 1 }
                }
            }
        case .softmaxCrossEntropy:
            if let steps = targets.lossSteps {
                let c0 = (steps.lowerBound - 1) * b, count = steps.count * b
                score.lossTerms = count
                let scale = 1 / T(count)
                for j in c0..<(c0 + count) {
                    var largest = z[j]
                    for i in 1..<o { largest = max(largest, z[i * n + j]) }
                    var sum: T = 0
                    for i in 0..<o { sum += T.exp(z[i * n + j] - largest) }
                    let label = Int(y[j])
                    score.lossSum += Double(T.log(sum) + largest - z[label * n + j])
                    if gradients {
                        let dz = w.logitGradients.base
                        for i in 0..<o {
                            let softmax = T.exp(z[i * n + j] - largest) / sum
                            dz[i * n + j] = (softmax - (i == label ? 1 : 0)) * scale
                        }
                    }
                }
            }
            if let steps = targets.scoredSteps {
                let c0 = (steps.lowerBound - 1) * b, count = steps.count * b
                score.scored = count
                for j in c0..<(c0 + count) {
                    var best = 0
                    for i in 1..<o where z[i * n + j] > z[best * n + j] { best = i }
                    if best == Int(y[j]) { score.correct += 1 }
                }
            }
        }
        return score
    }
}
