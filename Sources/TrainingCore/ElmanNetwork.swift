/// A stacked Elman RNN with a linear read-out at every step, its parameters in one flat buffer
/// (see `ParameterLayout`), and the forward and backward passes over a window side by side.
///
///     a^l_t = W_ih^l in^l_t + b_ih^l + W_hh^l h^l_{t−1} + b_hh^l,   h^l_t = φ(a^l_t)
///     z_t   = W_out h^top_t + b_out
///
/// with in^0_t = x_t and in^l_t = h^{l−1}_t. The backward pass is split into the pieces both
/// gradient engines are built from (`GradientEngine`): the direct sensitivity of each step's loss,
/// the immediate backward step through one time step, the hand-over to the previous step, and
/// the accumulation of the immediate parameter gradients. Every piece works on any contiguous
/// range of columns, i.e. on one step (BPTT) or many steps at once (BPTD).
public final class ElmanNetwork<T: Scalar> {
    public let layout: ParameterLayout
    public var shape: NetworkShape { layout.shape }
    /// All parameters, in `layout` order.
    public let parameters: Buffer<T>

    // Offsets of each tensor in `parameters` (and in every gradient group).
    @usableFromInline let weightIH: [Int], weightHH: [Int], biasIH: [Int], biasHH: [Int]
    @usableFromInline let outWeight: Int, outBias: Int

    public init(shape: NetworkShape) {
        layout = ParameterLayout(shape)
        parameters = Buffer(count: layout.count)
        weightIH = (0..<shape.layers).map(layout.weightIH)
        weightHH = (0..<shape.layers).map(layout.weightHH)
        biasIH = (0..<shape.layers).map(layout.biasIH)
        biasHH = (0..<shape.layers).map(layout.biasHH)
        outWeight = layout.outWeight
        outBias = layout.outBias
    }

    /// PyTorch's default initialisation: every recurrent tensor U(−1/√H, 1/√H), the read-out
    /// (weight and bias) U(−1/√H, 1/√H) with H its fan-in; drawn in layout order from the trial's
    /// initialisation stream, in Double and rounded to T (so f32 and f64 trials start alike).
    public func initialize(seed: UInt64) {
        var random = RandomStream(seed: seed, purpose: .initialization)
        let bound = 1 / Double(shape.hidden).squareRoot()  // recurrent: 1/√H; read-out: 1/√fan_in = 1/√H
        for i in 0..<layout.count {
            parameters[i] = T(random.nextUniform(-bound, bound))
        }
    }

    // MARK: Forward

    /// Runs the window forward from the carried-in states (column block 0 of `w.states`):
    /// fills states h_1 … h_T, slopes φ′(a_t) and logits z_t for all T steps.
    public func forward(_ w: WindowBuffers<T>) {
        let p = UnsafePointer(parameters.base)
        let h = shape.hidden, n = w.columns, b = w.lanes, ld = w.stateColumns
        for l in 0..<shape.layers {
            let states = w.states[l].base  // H × (T+1)·B
            let a = w.slopes[l].base  // H × T·L, pre-activations until overwritten by φ′
            // All steps' input projections in one product: a = W_ih · in (+ both biases).
            let inputs = shape.layerInputs(l)
            if l == 0 {
                Kernels.multiply(h, n, inputs, p + weightIH[l], inputs, w.input.base, n, a, n, accumulate: false)
            } else {
                Kernels.multiply(h, n, inputs, p + weightIH[l], inputs, w.states[l - 1].base + b, ld, a, n, accumulate: false)
            }
            for i in 0..<h {
                let bias = p[biasIH[l] + i] + p[biasHH[l] + i]
                let row = a + i * n
                for j in 0..<n { row[j] += bias }
            }
            // The recurrence, one step at a time: a_t += W_hh h_{t−1}; h_t = φ(a_t).
            for t in 0..<w.steps {
                let at = a + t * b
                Kernels.multiply(h, b, h, p + weightHH[l], h, states + t * b, ld, at, n, accumulate: true)
                activate(rows: h, columns: b, preActivation: at, ld: n, into: states + (t + 1) * b, ld: ld)
            }
        }
        // All steps' read-outs in one product: z = W_out · h^top_{1…T} + b_out  (O × T·L).
        let o = shape.outputs
        let top = w.states[shape.layers - 1].base + b
        Kernels.multiply(o, n, h, p + outWeight, h, top, ld, w.logits.base, n, accumulate: false)
        for i in 0..<o {
            let row = w.logits.base + i * n
            let bias = p[outBias + i]
            for j in 0..<n { row[j] += bias }
        }
    }

    /// h = φ(a) into `state`, and a replaced by φ′(a) (computed from h: 1 − h² for tanh,
    /// [h > 0] for relu, as PyTorch's backward does).
    @inline(__always)
    func activate(rows: Int, columns: Int, preActivation a: UnsafeMutablePointer<T>, ld: Int,
                  into state: UnsafeMutablePointer<T>, ld stateLD: Int) {
        switch shape.nonlinearity {
        case .tanh:
            for i in 0..<rows {
                let ai = a + i * ld, hi = state + i * stateLD
                for j in 0..<columns {
                    let y = T.tanh(ai[j])
                    hi[j] = y
                    ai[j] = 1 - y * y
                }
            }
        case .relu:
            for i in 0..<rows {
                let ai = a + i * ld, hi = state + i * stateLD
                for j in 0..<columns {
                    let x = ai[j]
                    hi[j] = x > 0 ? x : 0
                    ai[j] = x > 0 ? 1 : 0
                }
            }
        }
    }

    // MARK: Backward

    /// The direct sensitivity of each step's own loss term, D⁰_k = W_outᵀ ∂L/∂z_k, into the
    /// top layer's `sensitivities` for columns c0 ..< c0+count (H × count); lower layers get 0.
    public func directSensitivities(_ w: WindowBuffers<T>, from c0: Int, count: Int) {
        let h = shape.hidden, n = w.columns
        let top = shape.layers - 1
        Kernels.multiplyTransposedA(h, count, shape.outputs, parameters.base + outWeight, h,
                                    w.logitGradients.base + c0, n, w.sensitivities[top].base + c0, n, accumulate: false)
        for l in 0..<top {
            for i in 0..<h { (w.sensitivities[l].base + i * n + c0).update(repeating: 0, count: count) }
        }
    }

    /// The immediate backward step for columns c0 ..< c0+count (any number of whole steps):
    /// from state sensitivities D (per layer, H × count, leading dimension T·L), the errors
    ///
    ///     E^top = φ′(a^top) ⊙ D^top,   E^l = φ′(a^l) ⊙ (D^l + W_ih^{l+1}ᵀ E^{l+1})
    ///
    /// into `errors`. The previous states are held constant: this is ∂⁺h_k/∂θ's backward.
    public func immediateBackward(_ w: WindowBuffers<T>, sensitivities d: [Buffer<T>], from c0: Int, count: Int) {
        let h = shape.hidden, n = w.columns
        for l in stride(from: shape.layers - 1, through: 0, by: -1) {
            let e = w.errors[l].base + c0
            let slope = UnsafePointer(w.slopes[l].base + c0)
            let dl = UnsafePointer(d[l].base + c0)
            if l == shape.layers - 1 {
                for i in 0..<h { Kernels.multiply(slope + i * n, dl + i * n, into: e + i * n, count) }
            } else {
                // What flows down from the layer above within the same step: W_ih^{l+1}ᵀ E^{l+1}.
                Kernels.multiplyTransposedA(h, count, h, parameters.base + weightIH[l + 1], h,
                                            w.errors[l + 1].base + c0, n, e, n, accumulate: false)
                for i in 0..<h { Kernels.multiplyAdding(slope + i * n, dl + i * n, into: e + i * n, count) }
            }
        }
    }

    /// Hands the errors of columns c0 ..< c0+count to the previous step: writes
    /// W_hh^lᵀ E^l (H × count), the sensitivity of the previous states, to `destination[l]`
    /// starting at column `destinationColumn` with leading dimension `ld`.
    public func propagateToPreviousStep(_ w: WindowBuffers<T>, from c0: Int, count: Int,
                                        into destination: [Buffer<T>], at destinationColumn: Int, ld: Int) {
        let h = shape.hidden, n = w.columns
        for l in 0..<shape.layers {
            Kernels.multiplyTransposedA(h, count, h, parameters.base + weightHH[l], h, w.errors[l].base + c0, n,
                                        destination[l].base + destinationColumn, ld, accumulate: false)
        }
    }

    /// Adds the immediate parameter gradients of the errors in columns c0 ..< c0+count to the
    /// gradient buffer `g` (layout order):
    ///
    ///     ∂W_ih^l += E^l in^lᵀ,  ∂W_hh^l += E^l h^l_{prev}ᵀ,  ∂b_ih^l = ∂b_hh^l += Σ_columns E^l
    ///
    /// and, with `readout`, ∂W_out += (∂L/∂z) h^topᵀ, ∂b_out += Σ_columns ∂L/∂z.
    public func accumulateGradients(_ w: WindowBuffers<T>, from c0: Int, count: Int,
                                    into g: UnsafeMutablePointer<T>, readout: Bool) {
        let h = shape.hidden, n = w.columns, b = w.lanes, ld = w.stateColumns
        for l in 0..<shape.layers {
            let e = UnsafePointer(w.errors[l].base + c0)
            let inputs = shape.layerInputs(l)
            if l == 0 {
                Kernels.accumulateTransposedB(h, inputs, count, e, n, w.input.base + c0, n, g + weightIH[l], inputs)
            } else {
                Kernels.accumulateTransposedB(h, inputs, count, e, n, w.states[l - 1].base + b + c0, ld, g + weightIH[l], inputs)
            }
            // Column c0 of the errors is step c0/L + 1; its previous state is state block c0/L.
            Kernels.accumulateTransposedB(h, h, count, e, n, w.states[l].base + c0, ld, g + weightHH[l], h)
            // The two biases get the same gradient: sum once, add twice.
            for i in 0..<h {
                let total = Kernels.sum(e + i * n, count)
                g[biasIH[l] + i] += total
                g[biasHH[l] + i] += total
            }
        }
        if readout {
            let o = shape.outputs
            let dz = UnsafePointer(w.logitGradients.base + c0)
            Kernels.accumulateTransposedB(o, h, count, dz, n, w.states[shape.layers - 1].base + b + c0, ld, g + outWeight, h)
            Kernels.accumulateRowSums(o, count, dz, n, g + outBias)
        }
    }
}
