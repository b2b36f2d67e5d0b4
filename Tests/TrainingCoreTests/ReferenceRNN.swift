@testable import TrainingCore

/// An independent, deliberately plain implementation of the network for the tests: PyTorch's
/// batch-major layouts, nested arrays, Double only, and BPTD computed the naive way — for every
/// loss term t0 and every step k ≤ t0, a separate backward walk from t0 to k.
struct ReferenceRNN {
    let shape: NetworkShape
    let layout: ParameterLayout
    let parameters: [Double]
    let lossKind: LossKind

    init(_ problem: WindowProblem<Double>) {
        shape = problem.shape
        layout = problem.layout
        parameters = problem.parameters
        lossKind = problem.lossKind
    }

    func matrix(_ name: String) -> [[Double]] {
        let t = layout.tensor(named: name)!
        return (0..<t.rows).map { r in Array(parameters[(t.offset + r * t.columns)..<(t.offset + (r + 1) * t.columns)]) }
    }

    func vector(_ name: String) -> [Double] {
        let t = layout.tensor(named: name)!
        return Array(parameters[t.offset..<(t.offset + t.count)])
    }

    func phi(_ a: Double) -> Double {
        shape.nonlinearity == .tanh ? Foundation_tanh(a) : max(a, 0)
    }

    func phiPrime(fromState h: Double) -> Double {
        shape.nonlinearity == .tanh ? 1 - h * h : (h > 0 ? 1 : 0)
    }

    /// states[l][t][b][i] for t = 0 … T (t = 0 the initial state), logits[t][b][o] for t = 1 … T
    /// (index t − 1).
    func forward(_ p: WindowProblem<Double>) -> (states: [[[[Double]]]], logits: [[[Double]]]) {
        let h = shape.hidden, b = p.batch, steps = p.steps
        var states = [[[[Double]]]]()
        var below: [[[Double]]] = (0..<steps).map { t in
            (0..<b).map { j in (0..<shape.inputs).map { i in p.inputs[(j * steps + t) * shape.inputs + i] } }
        }
        for l in 0..<shape.layers {
            let wih = matrix("weight_ih_l\(l)"), whh = matrix("weight_hh_l\(l)")
            let bih = vector("bias_ih_l\(l)"), bhh = vector("bias_hh_l\(l)")
            var layer = [(0..<b).map { j in (0..<h).map { i in p.initialStates[l][j * h + i] } }]
            for t in 0..<steps {
                let previous = layer[t]
                layer.append((0..<b).map { j in
                    (0..<h).map { i in
                        var a = bih[i] + bhh[i]
                        for k in 0..<below[t][j].count { a += wih[i][k] * below[t][j][k] }
                        for k in 0..<h { a += whh[i][k] * previous[j][k] }
                        return phi(a)
                    }
                })
            }
            states.append(layer)
            below = Array(layer[1...])
        }
        let wo = matrix("out.weight"), bo = vector("out.bias")
        let logits = (1...steps).map { t in
            (0..<b).map { j in
                (0..<shape.outputs).map { o in
                    var z = bo[o]
                    for i in 0..<h { z += wo[o][i] * states[shape.layers - 1][t][j][i] }
                    return z
                }
            }
        }
        return (states, logits)
    }

    /// The mean loss over loss terms.
    func loss(_ p: WindowProblem<Double>) -> Double {
        let (_, logits) = forward(p)
        var sum = 0.0, terms = 0
        for t in p.lossSteps {
            for j in 0..<p.batch {
                let z = logits[t - 1][j]
                switch lossKind {
                case .binaryCrossEntropy:
                    for o in 0..<shape.outputs {
                        let y = p.targets[(j * p.steps + t - 1) * shape.outputs + o]
                        sum += max(z[o], 0) - z[o] * y + Foundation_log1p(Foundation_exp(-abs(z[o])))
                        terms += 1
                    }
                case .softmaxCrossEntropy:
                    let label = Int(p.targets[j * p.steps + t - 1])
                    let m = z.max()!
                    sum += Foundation_log(z.map { Foundation_exp($0 - m) }.reduce(0, +)) + m - z[label]
                    terms += 1
                case .meanSquaredError:
                    for o in 0..<shape.outputs {
                        let y = p.targets[(j * p.steps + t - 1) * shape.outputs + o]
                        sum += (z[o] - y) * (z[o] - y)
                        terms += 1
                    }
                }
            }
        }
        return sum / Double(terms)
    }

    /// ∂(mean loss)/∂z at step t (1-based), batch-major.
    func logitGradient(_ p: WindowProblem<Double>, logits: [[[Double]]], step t: Int) -> [[Double]] {
        let terms = Double(p.lossSteps.count * p.batch * (lossKind == .softmaxCrossEntropy ? 1 : shape.outputs))
        return (0..<p.batch).map { j in
            let z = logits[t - 1][j]
            switch lossKind {
            case .binaryCrossEntropy:
                return (0..<shape.outputs).map { o in
                    (1 / (1 + Foundation_exp(-z[o])) - p.targets[(j * p.steps + t - 1) * shape.outputs + o]) / terms
                }
            case .softmaxCrossEntropy:
                let label = Int(p.targets[j * p.steps + t - 1])
                let m = z.max()!
                let e = z.map { Foundation_exp($0 - m) }
                let s = e.reduce(0, +)
                return (0..<shape.outputs).map { o in (e[o] / s - (o == label ? 1 : 0)) / terms }
            case .meanSquaredError:
                return (0..<shape.outputs).map { o in 2 * (z[o] - p.targets[(j * p.steps + t - 1) * shape.outputs + o]) / terms }
            }
        }
    }

    /// BPTD's lag groups the naive way: G[t0 − k] += ∂L_t0/∂h_k · ∂⁺h_k/∂θ for every loss step t0
    /// and every k ≤ t0, each ∂L_t0/∂h_k by its own walk back from t0.
    func naiveLagGroups(_ p: WindowProblem<Double>) -> [[Double]] {
        let (states, logits) = forward(p)
        let h = shape.hidden, top = shape.layers - 1
        var groups = [[Double]](repeating: [Double](repeating: 0, count: layout.count), count: p.steps)
        let wo = matrix("out.weight")
        let outW = layout.tensor(named: "out.weight")!.offset, outB = layout.tensor(named: "out.bias")!.offset
        for t0 in p.lossSteps {
            let dz = logitGradient(p, logits: logits, step: t0)
            for j in 0..<p.batch {
                for o in 0..<shape.outputs {
                    groups[0][outB + o] += dz[j][o]
                    for i in 0..<h { groups[0][outW + o * h + i] += dz[j][o] * states[top][t0][j][i] }
                }
            }
            for k in stride(from: t0, through: 1, by: -1) {
                // ∂L_t0/∂h_k by walking back from t0 to k.
                var d = (0..<shape.layers).map { l in
                    (0..<p.batch).map { j in
                        (0..<h).map { i in l == top ? (0..<shape.outputs).reduce(0.0) { $0 + wo[$1][i] * dz[j][$1] } : 0 }
                    }
                }
                var step = t0
                while step > k {
                    let e = errors(d, states, step)
                    d = (0..<shape.layers).map { l in
                        let whh = matrix("weight_hh_l\(l)")
                        return (0..<p.batch).map { j in (0..<h).map { i in (0..<h).reduce(0.0) { $0 + whh[$1][i] * e[l][j][$1] } } }
                    }
                    step -= 1
                }
                // The immediate derivative at k.
                let e = errors(d, states, k)
                for l in 0..<shape.layers {
                    let wih = layout.tensor(named: "weight_ih_l\(l)")!, whh = layout.tensor(named: "weight_hh_l\(l)")!
                    let bih = layout.tensor(named: "bias_ih_l\(l)")!, bhh = layout.tensor(named: "bias_hh_l\(l)")!
                    for j in 0..<p.batch {
                        let input: [Double] = l == 0
                            ? (0..<shape.inputs).map { p.inputs[(j * p.steps + k - 1) * shape.inputs + $0] }
                            : states[l - 1][k][j]
                        for i in 0..<h {
                            groups[t0 - k][bih.offset + i] += e[l][j][i]
                            groups[t0 - k][bhh.offset + i] += e[l][j][i]
                            for c in 0..<input.count { groups[t0 - k][wih.offset + i * input.count + c] += e[l][j][i] * input[c] }
                            for c in 0..<h { groups[t0 - k][whh.offset + i * h + c] += e[l][j][i] * states[l][k - 1][j][c] }
                        }
                    }
                }
            }
        }
        return groups
    }

    /// E^l at step `step` from state sensitivities d (layer-to-layer flow within the step).
    private func errors(_ d: [[[Double]]], _ states: [[[[Double]]]], _ step: Int) -> [[[Double]]] {
        let h = shape.hidden
        var e = d
        for l in stride(from: shape.layers - 1, through: 0, by: -1) {
            for j in 0..<d[l].count {
                for i in 0..<h {
                    var total = d[l][j][i]
                    if l < shape.layers - 1 {
                        let wih = matrix("weight_ih_l\(l + 1)")
                        for c in 0..<h { total += wih[c][i] * e[l + 1][j][c] }
                    }
                    e[l][j][i] = phiPrime(fromState: states[l][step][j][i]) * total
                }
            }
        }
        return e
    }
}
