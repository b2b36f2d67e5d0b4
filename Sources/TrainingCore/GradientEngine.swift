/// The two ways of turning a window's loss into parameter gradients, both assembled from the
/// backward pieces of `ElmanNetwork`. Call after `forward` and `Loss.evaluate`.
public enum GradientEngine {
    /// Truncated backpropagation through time: the gradient of the window's loss, into `g`
    /// (one parameter-sized buffer, overwritten).
    ///
    /// Walks the steps backwards, each step's sensitivity being its own loss term's plus what
    /// the next step hands back (the carry); then adds every step's immediate gradients in one
    /// product per tensor. Afterwards `w.sensitivities` holds the total ∂L/∂h_k of every step.
    public static func bptt<T: Scalar>(_ net: ElmanNetwork<T>, _ w: WindowBuffers<T>, lossSteps: ClosedRange<Int>,
                                       into g: UnsafeMutablePointer<T>) {
        let b = w.lanes, last = lossSteps.upperBound  // nothing flows back from beyond the last loss term
        g.update(repeating: 0, count: net.layout.count)
        net.directSensitivities(w, from: 0, count: last * b)
        let carry = w.nextSensitivities  // H × B, leading dimension B: W_hhᵀ E of the step after
        for step in stride(from: last, through: 1, by: -1) {
            let c0 = (step - 1) * b
            if step < last {
                for l in 0..<net.shape.layers {
                    let d = w.sensitivities[l].base, c = UnsafePointer(carry[l].base)
                    for i in 0..<net.shape.hidden { Kernels.add(c + i * b, into: d + i * w.columns + c0, b) }
                }
            }
            net.immediateBackward(w, sensitivities: w.sensitivities, from: c0, count: b)
            if step > 1 { net.propagateToPreviousStep(w, from: c0, count: b, into: carry, at: 0, ld: b) }
        }
        net.accumulateGradients(w, from: 0, count: last * b, into: g, readout: true)
    }

    /// Backpropagation through depth: the window's gradient split by temporal lag,
    ///
    ///     G[Δ] = Σ_k ∂L_{k+Δ}/∂h_k · ∂⁺h_k/∂θ,   Δ = 0 … T−1,
    ///
    /// into `groups` (parameter-sized buffers one after another, overwritten). The read-out
    /// appears only in G[0]. Σ_Δ G[Δ] is the BPTT gradient.
    ///
    /// The lag recursion D^Δ_k = W_hhᵀ(φ′(a_{k+1}) ⊙ D^{Δ−1}_{k+1}) (with the step's own
    /// layer-to-layer flow for 2 layers) does not depend on other k at the same lag, so every lag is
    /// handled for all its steps at once: one backward step and one gradient product over a
    /// contiguous range of columns. O(T²) vector work, not T backward passes. With `total`, also
    /// leaves Σ_Δ D^Δ_k, the total ∂L/∂h_k, in `w.totalSensitivities`.
    ///
    /// With `count` K < T groups (`max_lag` = K − 1), the lags Δ ≥ K are not recursed one by one:
    /// `.drop` leaves them out, uncomputed; `.merge` adds Σ_{Δ≥K} G[Δ] to G[K−1]. That tail sum
    /// obeys the BPTT recursion S_k = D^K_k + W_hhᵀ(φ′(a_{k+1}) ⊙ S_{k+1}), seeded with D^K
    /// instead of the direct sensitivities, so it costs one backward sweep (O(T)), and
    /// Σ_{Δ<K} G[Δ] stays the BPTT gradient. The probe's totals (`total`) always include it.
    public static func bptd<T: Scalar>(_ net: ElmanNetwork<T>, _ w: WindowBuffers<T>, lossSteps: ClosedRange<Int>,
                                       into groups: UnsafeMutablePointer<T>, count: Int? = nil, tail: LagTail = .drop,
                                       total: Bool) {
        let b = w.lanes, n = w.columns, p = net.layout.count, layers = net.shape.layers, h = net.shape.hidden
        let kept = min(count ?? w.steps, w.steps)
        precondition(kept >= 1)
        groups.update(repeating: 0, count: p * kept)
        if total { for l in 0..<layers { w.totalSensitivities[l].zero() } }
        var current = w.sensitivities, next = w.nextSensitivities
        // Lag 0: each loss term's direct sensitivity.
        net.directSensitivities(w, from: (lossSteps.lowerBound - 1) * b, count: lossSteps.count * b)
        for lag in 0..<w.steps {
            // D^lag is non-zero at steps k with k + lag a loss step.
            let first = max(1, lossSteps.lowerBound - lag), last = lossSteps.upperBound - lag
            if last < 1 { break }
            if lag == kept {
                // `current` holds D^K: the tail, if anything needs it.
                if tail == .merge || total {
                    tailSweep(net, w, seed: current, carry: next, first: first, last: last, total: total,
                              into: tail == .merge ? groups + (kept - 1) * p : nil)
                }
                break
            }
            let c0 = (first - 1) * b, count = (last - first + 1) * b
            if total {
                for l in 0..<layers {
                    for i in 0..<h { Kernels.add(current[l].base + i * n + c0, into: w.totalSensitivities[l].base + i * n + c0, count) }
                }
            }
            net.immediateBackward(w, sensitivities: current, from: c0, count: count)
            net.accumulateGradients(w, from: c0, count: count, into: groups + lag * p, readout: lag == 0)
            // D^{lag+1} at steps first−1 … last−1: the steps ≥ 2 of this lag hand back one step.
            // Past the last kept lag only the tail wants it.
            let handed = max(c0, b)
            if handed < c0 + count && (lag + 1 < kept || tail == .merge || total) {
                net.propagateToPreviousStep(w, from: handed, count: c0 + count - handed, into: next, at: handed - b, ld: n)
            }
            swap(&current, &next)
        }
    }

    /// The tail sum S_k = Σ_{Δ≥K} D^Δ_k by one backward sweep from step `last` to 1, seeded with
    /// D^K (in `seed` at steps `first` … `last`; other columns are stale and not read), using
    /// `carry` as scratch. Adds S to the totals with `total`, and its immediate gradients (no
    /// read-out: K ≥ 1) to `g` when given.
    static func tailSweep<T: Scalar>(_ net: ElmanNetwork<T>, _ w: WindowBuffers<T>, seed s: [Buffer<T>], carry: [Buffer<T>],
                                     first: Int, last: Int, total: Bool, into g: UnsafeMutablePointer<T>?) {
        let b = w.lanes, n = w.columns, layers = net.shape.layers, h = net.shape.hidden
        for step in stride(from: last, through: 1, by: -1) {
            let c0 = (step - 1) * b
            if step < last {
                // S_step = D^K_step + W_hhᵀ E(S_{step+1}); before `first`, D^K is zero.
                for l in 0..<layers {
                    let d = s[l].base, c = UnsafePointer(carry[l].base)
                    for i in 0..<h {
                        if step >= first {
                            Kernels.add(c + i * b, into: d + i * n + c0, b)
                        } else {
                            (d + i * n + c0).update(from: c + i * b, count: b)
                        }
                    }
                }
            }
            if total {
                for l in 0..<layers {
                    for i in 0..<h { Kernels.add(s[l].base + i * n + c0, into: w.totalSensitivities[l].base + i * n + c0, b) }
                }
            }
            net.immediateBackward(w, sensitivities: s, from: c0, count: b)
            if step > 1 { net.propagateToPreviousStep(w, from: c0, count: b, into: carry, at: 0, ld: b) }
        }
        if let g { net.accumulateGradients(w, from: 0, count: last * b, into: g, readout: false) }
    }
}
