extension Optimizer {
    /// Adam (Kingma & Ba, https://arxiv.org/abs/1412.6980) and AdamW (Loshchilov & Hutter,
    /// https://arxiv.org/abs/1711.05101), with AMSGrad (Reddi, Kale & Kumar,
    /// https://openreview.net/forum?id=ryQu7f-RZ) as `amsgrad=True`, as `torch.optim.Adam`/`AdamW`
    /// (single-tensor path). With `weight` w the parameters move by w·Δθ (see `Optimizer`).
    @inline(__always)
    func adamStep(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, weight: Double) {
        let c = AdamConstants<T>(settings, steps: steps, weight: weight)
        let (shrink, coupled, step, root, b1, b2, b2c, eps) = (c.shrink, c.coupled, c.step, c.root, c.b1, c.b2, c.b2c, c.eps)
        guard settings.amsgrad else {
            Kernels.update(count, p, g, firstMoment.base, secondMoment.base) { p, g, m, v in
                p *= shrink  // AdamW: θ ← θ·(1 − lr·λ), before the Adam step
                let g = g + coupled * p  // Adam: g ← g + λθ
                m += b1 * (g - m)  // m ← lerp(m, g, 1 − β1)
                v = v * b2 + b2c * g * g  // v ← β2·v + (1 − β2)·g²
                let denominator = v.squareRoot() / root + eps  // √v / √(1 − β2^t) + ε
                p -= step * (m / denominator)  // θ ← θ − lr/(1 − β1^t) · m / denominator
            }
            return
        }
        Kernels.update(count, p, g, firstMoment.base, secondMoment.base, maximumSecondMoment.base) { p, g, m, v, vMax in
            p *= shrink
            let g = g + coupled * p
            m += b1 * (g - m)
            v = v * b2 + b2c * g * g
            vMax = T.maximum(vMax, v)  // max_exp_avg_sq ← max(max_exp_avg_sq, exp_avg_sq)
            let denominator = vMax.squareRoot() / root + eps  // √max / √(1 − β2^t) + ε
            p -= step * (m / denominator)
        }
    }

    /// The first half of an Adam step, for a weight that depends on the moments it makes
    /// (`lag_weighting: snr`): counts the step and lets the moments absorb g (and AMSGrad's
    /// maximum follow). Returns the group's signal-to-noise ratio
    ///
    ///     (1/n) Σ_i min(1, |m̂_i| / (√v̂_i + ε)),   m̂ = m/(1 − β1^t),  v̂ = v/(1 − β2^t)
    ///
    /// (a term with √v̂ + ε = 0, a parameter that never had a gradient with `eps` 0, counts 0). The
    /// parameters are not touched; `applyAdamUpdate` then moves them.
    public func updateAdamMoments(parameters p: UnsafeMutablePointer<T>, gradients g: UnsafePointer<T>) -> Double {
        precondition(settings.kind.isAdam)
        steps += 1
        let c = AdamConstants<T>(settings, steps: steps, weight: 1)
        let (coupled, root, b1, b2, b2c, eps) = (c.coupled, c.root, c.b1, c.b2, c.b2c, c.eps)
        let unbias = T.Vector(repeating: T(1 / (1 - power(settings.beta1, steps))))
        let tiny = T.Vector(repeating: T.leastNormalMagnitude)
        // The parameters are stored back unchanged; AMSGrad's maximum follows v in the second half.
        let total = Kernels.updateSumming(count, p, g, firstMoment.base, secondMoment.base) { p, g, m, v in
            let g = g + coupled * p  // the same operations as `adamStep`
            m += b1 * (g - m)
            v = v * b2 + b2c * g * g
            // min(1, |m̂|/(√v̂ + ε)); a zero denominator (then m = 0, as in the zero-padded lanes)
            // is raised to the smallest normal number so that the term is 0.
            return T.magnitudeAtMostOne((m * unbias) / T.maximum(v.squareRoot() / root + eps, tiny))
        }
        return count > 0 ? Double(T.sum(total)) / Double(count) : 0
    }

    /// The second half: θ moves by `weight` times the update the moments of `updateAdamMoments`
    /// call for — the same operations as `adamStep`, so weight 1 gives its bits.
    public func applyAdamUpdate(parameters p: UnsafeMutablePointer<T>, weight: Double) {
        let c = AdamConstants<T>(settings, steps: steps, weight: weight)
        let (shrink, step, root, eps) = (c.shrink, c.step, c.root, c.eps)
        guard settings.amsgrad else {
            // `update` wants a gradient: the first moment stands in, unused.
            Kernels.update(count, p, firstMoment.base, firstMoment.base, secondMoment.base) { p, _, m, v in
                p *= shrink
                p -= step * (m / (v.squareRoot() / root + eps))
            }
            return
        }
        // The second moment, read-only here, takes the gradient's place.
        Kernels.update(count, p, secondMoment.base, firstMoment.base, maximumSecondMoment.base) { p, v, m, vMax in
            vMax = T.maximum(vMax, v)
            p *= shrink
            p -= step * (m / (vMax.squareRoot() / root + eps))
        }
    }
}

/// x^n for a step count, by repeated squaring in Double.
@usableFromInline
func power(_ x: Double, _ n: Int) -> Double {
    var result = 1.0, base = x, e = n
    while e > 0 {
        if e & 1 == 1 { result *= base }
        base *= base
        e >>= 1
    }
    return result
}
