/// How a window's logits are scored.
public enum LossKind: Sendable {
    /// Binary cross-entropy with logits per output (PyTorch's `BCEWithLogitsLoss`), mean over
    /// every loss term (batch × loss steps × outputs). Correct: (z > 0) == y.
    case binaryCrossEntropy
    /// Softmax cross-entropy over the outputs (PyTorch's `CrossEntropyLoss`), mean over batch ×
    /// loss steps. Correct: the first largest logit is the target class.
    case softmaxCrossEntropy
    /// Squared error per output (PyTorch's `MSELoss`), mean over every loss term (batch × loss
    /// steps × outputs). No accuracy: nothing is scored.
    case meanSquaredError

    /// Whether windows count correct predictions (train_acc, test_acc).
    public var scoresAccuracy: Bool { self != .meanSquaredError }
    /// Whether the targets are one class index per column (else one value per output).
    public var hasClassTargets: Bool { self == .softmaxCrossEntropy }
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
        let b = w.batch, lanes = w.lanes, n = w.columns, o = w.shape.outputs
        let z = UnsafePointer(w.logits.base), y = UnsafePointer(w.targets.base)
        var score = WindowScore()
        if gradients { w.logitGradients.zero() }
        switch kind {
        case .binaryCrossEntropy:
            if let steps = targets.lossSteps {
                score.lossTerms = steps.count * b * o
                let scale = 1 / T(score.lossTerms)
                for i in 0..<o {
                    for step in steps {
                        // One output at one step, element-wise over all lanes so that it vectorises
                        // without a remainder; the padding lanes are then left out of the sum and
                        // their gradient set back to zero.
                        let r = i * n + (step - 1) * lanes
                        let zs = z + r, ys = y + r, terms = w.lossTerms.base + r, dz = w.logitGradients.base + r
                        if gradients {
                            for j in 0..<lanes {
                                let (term, gradient) = binaryCrossEntropy(zs[j], ys[j])
                                terms[j] = term
                                dz[j] = gradient * scale
                            }
                            (dz + b).update(repeating: 0, count: lanes - b)
                        } else {
                            for j in 0..<lanes { terms[j] = binaryCrossEntropy(zs[j], ys[j]).term }
                        }
                        score.lossSum += Double(Kernels.sum(terms, b))
                    }
                }
            }
            if let steps = targets.scoredSteps {
                score.scored = steps.count * b * o
                for i in 0..<o {
                    for step in steps {
                        let r = i * n + (step - 1) * lanes
                        // Counted in 32-bit lanes without a branch or an overflow check (a count of
                        // lanes cannot overflow), so that the loop vectorises: it was a quarter of
                        // the loss's time at hidden 4.
                        let zs = z + r, ys = y + r
                        var wrong: Int32 = 0
                        for j in 0..<b {
                            let predicted: Int32 = zs[j] > 0 ? 1 : 0, actual: Int32 = ys[j] > 0.5 ? 1 : 0
                            wrong &+= predicted ^ actual
                        }
                        score.correct += b - Int(wrong)
                    }
                }
            }
        case .softmaxCrossEntropy:
            if let steps = targets.lossSteps {
                score.lossTerms = steps.count * b
                let scale = 1 / T(score.lossTerms)
                // Step by step and lane by lane (nested loops: a flatMap would allocate per window).
                for step in steps {
                    for j in ((step - 1) * lanes)..<((step - 1) * lanes + b) {
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
            }
            if let steps = targets.scoredSteps {
                score.scored = steps.count * b
                for step in steps {
                    for j in ((step - 1) * lanes)..<((step - 1) * lanes + b) {
                        var best = 0
                        for i in 1..<o where z[i * n + j] > z[best * n + j] { best = i }
                        if best == Int(y[j]) { score.correct += 1 }
                    }
                }
            }
        case .meanSquaredError:
            guard let steps = targets.lossSteps else { break }
            score.lossTerms = steps.count * b * o
            let scale = 2 / T(score.lossTerms)
            for i in 0..<o {
                for step in steps {
                    // As for binary cross-entropy: all lanes, then the padding left out.
                    let r = i * n + (step - 1) * lanes
                    let zs = z + r, ys = y + r, terms = w.lossTerms.base + r, dz = w.logitGradients.base + r
                    for j in 0..<lanes {
                        let difference = zs[j] - ys[j]
                        terms[j] = difference * difference  // (z − y)²
                        if gradients { dz[j] = difference * scale }  // ∂/∂z of the mean: 2(z − y)/N
                    }
                    if gradients { (dz + b).update(repeating: 0, count: lanes - b) }
                    score.lossSum += Double(Kernels.sum(terms, b))
                }
            }
        }
        return score
    }

    /// The binary cross-entropy of logit z against target y, max(z, 0) − z·y + log(1 + e^−|z|),
    /// and its derivative σ(z) − y, from one exponential and two divisions (1/(1 + e) and the
    /// one inside log). log(1 + e) is taken as log of the rounded 1 + e: off by at most 6e-8
    /// absolute, which a mean loss does not notice.
    @inlinable @inline(__always)
    static func binaryCrossEntropy<T: Scalar>(_ z: T, _ y: T) -> (term: T, gradient: T) {
        let e = T.exp(-z.magnitude)  // in (0, 1]
        let d = 1 + e
        let r = 1 / d
        let positivePart: T = z > 0 ? z : 0
        let term = positivePart - z * y + T.log(d)
        let sigmoid = z < 0 ? e * r : r  // e/(1 + e) or 1/(1 + e)
        return (term, sigmoid - y)
    }
}
