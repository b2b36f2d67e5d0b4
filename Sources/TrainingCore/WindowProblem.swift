/// One window's worth of weights and data, in PyTorch's layouts, and its loss and gradients —
/// what `depthfarm gradients` prints and what the tests check against finite differences and
/// naive implementations.
public struct WindowProblem<T: Scalar> {
    public var shape: NetworkShape
    public var lossKind: LossKind
    /// B
    public var batch: Int
    /// T
    public var steps: Int
    /// Steps with a loss term (1 … T).
    public var lossSteps: ClosedRange<Int>
    /// All parameters in `ParameterLayout` order (PyTorch's names, shapes and row-major data).
    public var parameters: [T]
    /// Per layer, the initial state h_0 as B×H, row-major.
    public var initialStates: [[T]]
    /// x as B×T×I, row-major.
    public var inputs: [T]
    /// Binary cross-entropy: y as B×T×O in [0, 1]. Mean squared error: y as B×T×O. Softmax
    /// cross-entropy: class indices as B×T.
    public var targets: [T]

    public init(shape: NetworkShape, lossKind: LossKind, batch: Int, steps: Int, lossSteps: ClosedRange<Int>? = nil,
                parameters: [T], initialStates: [[T]], inputs: [T], targets: [T]) {
        let layout = ParameterLayout(shape)
        precondition(parameters.count == layout.count && initialStates.count == shape.layers)
        precondition(initialStates.allSatisfy { $0.count == batch * shape.hidden })
        precondition(inputs.count == batch * steps * shape.inputs)
        precondition(targets.count == batch * steps * (lossKind.hasClassTargets ? 1 : shape.outputs))
        self.shape = shape
        self.lossKind = lossKind
        self.batch = batch
        self.steps = steps
        self.lossSteps = lossSteps ?? 1...steps
        self.parameters = parameters
        self.initialStates = initialStates
        self.inputs = inputs
        self.targets = targets
    }

    public var layout: ParameterLayout { ParameterLayout(shape) }

    /// The mean loss of the window.
    public func loss() -> Double {
        let (network, window) = prepare(forwardOnly: true)
        network.forward(window)
        return Loss.evaluate(window, kind: lossKind, targets: windowTargets, gradients: false).loss
    }

    /// The loss, the BPTT gradient and BPTD's lag groups G[0 … T−1], each in layout order.
    public func gradients() -> (loss: Double, bptt: [T], bptd: [[T]]) {
        let (network, window) = prepare(forwardOnly: false)
        network.forward(window)
        let loss = Loss.evaluate(window, kind: lossKind, targets: windowTargets, gradients: true).loss
        let p = network.layout.count
        let bptt = Buffer<T>(count: p)
        GradientEngine.bptt(network, window, lossSteps: lossSteps, into: bptt.base)
        let groups = Buffer<T>(count: p * steps)
        GradientEngine.bptd(network, window, lossSteps: lossSteps, into: groups.base, total: false)
        let all = groups.array
        return (loss, bptt.array, (0..<steps).map { Array(all[($0 * p)..<(($0 + 1) * p)]) })
    }

    /// BPTD's lag groups with `max_lag` = `count` − 1: G[0 … count−1], the lags beyond dropped or
    /// merged into the last (see `GradientEngine.bptd`).
    public func lagGroups(count: Int, tail: LagTail) -> [[T]] {
        let (network, window) = prepare(forwardOnly: false)
        network.forward(window)
        _ = Loss.evaluate(window, kind: lossKind, targets: windowTargets, gradients: true)
        let p = network.layout.count
        let groups = Buffer<T>(count: p * count)
        GradientEngine.bptd(network, window, lossSteps: lossSteps, into: groups.base, count: count, tail: tail, total: false)
        let all = groups.array
        return (0..<count).map { Array(all[($0 * p)..<(($0 + 1) * p)]) }
    }

    var windowTargets: WindowTargets { WindowTargets(lossSteps: lossSteps, scoredSteps: lossSteps) }

    /// The network and window buffers with this problem's data in the core's layouts.
    func prepare(forwardOnly: Bool) -> (ElmanNetwork<T>, WindowBuffers<T>) {
        let network = ElmanNetwork<T>(shape: shape)
        network.parameters.base.update(from: parameters, count: parameters.count)
        let w = WindowBuffers<T>(shape: shape, batch: batch, steps: steps, forwardOnly: forwardOnly)
        let h = shape.hidden, n = w.columns, lanes = w.lanes
        for (layer, state) in initialStates.enumerated() {
            for b in 0..<batch { for i in 0..<h { w.states[layer][i * w.stateColumns + b] = state[b * h + i] } }
        }
        for b in 0..<batch {
            for t in 0..<steps {
                for i in 0..<shape.inputs { w.input[i * n + t * lanes + b] = inputs[(b * steps + t) * shape.inputs + i] }
                if lossKind.hasClassTargets {
                    w.targets[t * lanes + b] = targets[b * steps + t]
                } else {
                    for o in 0..<shape.outputs {
                        w.targets[o * n + t * lanes + b] = targets[(b * steps + t) * shape.outputs + o]
                    }
                }
            }
        }
        return (network, w)
    }
}
