/// The buffers of one window: B sequences (the batch) × T steps, allocated once per trial.
///
/// Every matrix is row-major with one row per unit and one column per (step, batch lane),
/// column index `t·L + b` for step t+1 (see `Kernels`), where L, the lanes, is B rounded up to a
/// multiple of 8: so every step's block of columns is a whole number of SIMD vectors. The padding
/// lanes carry zero input and zero targets; they never touch the real lanes (no product mixes
/// columns), never count in a loss, and their sensitivities are exactly zero, so they add exactly
/// nothing to a gradient. Shapes are noted as rows × columns.
public final class WindowBuffers<T: Scalar> {
    public let shape: NetworkShape
    /// B, the sequences of the batch.
    public let batch: Int
    /// L = B rounded up to a multiple of 8: the columns of one step.
    public let lanes: Int
    /// T
    public let steps: Int
    /// T·L, the leading dimension of every per-step matrix.
    public let columns: Int
    /// (T+1)·L, the leading dimension of `states`.
    public let stateColumns: Int

    /// The lanes for a batch of `batch`.
    public static func lanes(for batch: Int) -> Int { (batch + 7) / 8 * 8 }

    /// Task input x_1 … x_T: I × T·L.
    public let input: Buffer<T>
    /// Targets. Binary cross-entropy: O × T·L of 0/1; softmax cross-entropy: the class index
    /// of each column, 1 × T·L.
    public let targets: Buffer<T>
    /// Per layer, states h_0 … h_T: H × (T+1)·L. Column block 0 is the state carried in from
    /// the previous window (detached); block t is h_t.
    public let states: [Buffer<T>]
    /// Per layer, φ′(a_t) for t = 1 … T: H × T·L. (During the forward pass, a_t itself.)
    public let slopes: [Buffer<T>]
    /// Read-out logits z_t: O × T·L.
    public let logits: Buffer<T>
    /// ∂L/∂z_t, zero at steps without a loss term: O × T·L.
    public let logitGradients: Buffer<T>
    /// Each loss term, before they are summed: O × T·L.
    public let lossTerms: Buffer<T>

    // Backward buffers; empty in forward-only (evaluation) buffers.
    /// Per layer, state sensitivities D_k = ∂L/∂h_k (BPTT: the total; BPTD: the current lag's):
    /// H × T·L.
    public let sensitivities: [Buffer<T>]
    /// Per layer, BPTD's next lag of sensitivities, or BPTT's carry W_hhᵀ E_{k+1}: H × T·L.
    public let nextSensitivities: [Buffer<T>]
    /// Per layer, E_k = φ′(a_k) ⊙ (D_k + what flows down from the layer above): H × T·L.
    public let errors: [Buffer<T>]
    /// Per layer, Σ_Δ D^Δ_k under BPTD, the total ∂L/∂h_k for the probe: H × T·L.
    public let totalSensitivities: [Buffer<T>]

    public init(shape: NetworkShape, batch: Int, steps: Int, forwardOnly: Bool = false) {
        self.shape = shape
        self.batch = batch
        let lanes = Self.lanes(for: batch), n = steps * lanes, stateColumns = (steps + 1) * lanes
        self.lanes = lanes
        self.steps = steps
        columns = n
        self.stateColumns = stateColumns
        let h = shape.hidden, layers = shape.layers
        input = Buffer(count: shape.inputs * n)
        targets = Buffer(count: shape.outputs * n)
        states = (0..<layers).map { _ in Buffer(count: h * stateColumns) }
        slopes = (0..<layers).map { _ in Buffer(count: h * n) }
        logits = Buffer(count: shape.outputs * n)
        lossTerms = Buffer(count: shape.outputs * n)
        logitGradients = Buffer(count: forwardOnly ? 0 : shape.outputs * n)
        let backward = forwardOnly ? 0 : h * n
        sensitivities = (0..<layers).map { _ in Buffer(count: backward) }
        nextSensitivities = (0..<layers).map { _ in Buffer(count: backward) }
        errors = (0..<layers).map { _ in Buffer(count: backward) }
        totalSensitivities = (0..<layers).map { _ in Buffer(count: backward) }
    }

    /// Starts a new sequence: the carried-in state h_0 of every layer becomes zero.
    public func resetState() {
        // Index loops rather than `for layer in states`: unoptimised builds allocate for the latter.
        for l in 0..<states.count {
            let layer = states[l].base
            for i in 0..<shape.hidden { (layer + i * stateColumns).update(repeating: 0, count: lanes) }
        }
    }

    /// Carries the last state h_T into block 0 for the next window (truncated BPTT: the value
    /// is kept, the gradient path is cut).
    public func carryState() {
        for l in 0..<states.count {
            let layer = states[l].base
            for i in 0..<shape.hidden {
                let row = layer + i * stateColumns
                row.update(from: row + steps * lanes, count: lanes)
            }
        }
    }
}
