import Foundation
import TrainingCore

/// `depthfarm gradients`: reads one window's weights and data as JSON (PyTorch names and
/// shapes, single layer), and writes the loss, the BPTT gradient and every BPTD lag group as
/// JSON, all computed in Float64.
///
/// Input: `nonlinearity` ("tanh" | "relu"), `loss` (optional: "bce", the default, "ce" or "mse"),
/// `loss_at` (optional: "every", the default, or "last"), `weight_ih_l0` (H×I), `weight_hh_l0`
/// (H×H), `bias_ih_l0` (H), `bias_hh_l0` (H), `out.weight` (O×H), `out.bias` (O), `h0` (B×H),
/// `x` (B×T×I) and `y`. The losses, as the tasks use them: "bce", binary cross-entropy with logits,
/// y B×T×O in [0, 1] (echo); "ce", softmax cross-entropy over the O outputs, y B×T class indices
/// (remember-first, copy); "mse", squared error, y B×T×O (adding). Each is the mean over its terms
/// at the loss steps: every step, or with `loss_at: "last"` the last step only (remember-first,
/// adding, echo's `loss_at: last`).
///
/// Output: `{"loss": …, "bptt": {NAME: array, …}, "bptd": [{NAME: array, …}, … for Δ = 0 … T−1]}`
/// with the input's names and shapes; the read-out's gradients are zero for Δ ≥ 1.
public enum GradientsDocument {
    static let tensorNames = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "out.weight", "out.bias"]
    static let knownKeys = Set(tensorNames + ["nonlinearity", "loss", "loss_at", "h0", "x", "y"])

    /// The output JSON for the input JSON `data`.
    public static func gradients(for data: Data, source: String) throws -> String {
        let problem = try problem(from: data, source: source)
        let result = problem.gradients()
        let layout = problem.layout
        var text = "{\"loss\": \(number(result.loss)),\n \"bptt\": \(tensors(result.bptt, layout)),\n \"bptd\": [\n"
        text += result.bptd.map { "  " + tensors($0, layout) }.joined(separator: ",\n")
        text += "\n ]}\n"
        return text
    }

    /// The window problem described by the input JSON.
    public static func problem(from data: Data, source: String) throws -> WindowProblem<Double> {
        guard case .object(let root) = try JSONValue.parse(data, source: source) else {
            throw InputError(source, "expected a JSON object")
        }
        let unknown = root.keys.filter { !knownKeys.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw InputError(source, "unknown key\(unknown.count > 1 ? "s" : "") \(unknown.joined(separator: ", ")) (expected \(knownKeys.sorted().joined(separator: ", ")))")
        }
        func value(_ key: String) throws -> JSONValue {
            guard let value = root[key] else { throw InputError(source, "missing key \(key)") }
            return value
        }
        let nonlinearity: Nonlinearity
        switch try value("nonlinearity") {
        case .string("tanh"): nonlinearity = .tanh
        case .string("relu"): nonlinearity = .relu
        case let other: throw InputError("\(source): nonlinearity", "must be \"tanh\" or \"relu\" (got \(describe(other)))")
        }
        let lossKind: LossKind
        switch root["loss"] ?? .string("bce") {
        case .string("bce"): lossKind = .binaryCrossEntropy
        case .string("ce"): lossKind = .softmaxCrossEntropy
        case .string("mse"): lossKind = .meanSquaredError
        case let other: throw InputError("\(source): loss", "must be \"bce\", \"ce\" or \"mse\" (got \(describe(other)))")
        }
        let lastOnly: Bool
        switch root["loss_at"] ?? .string("every") {
        case .string("every"): lastOnly = false
        case .string("last"): lastOnly = true
        case let other: throw InputError("\(source): loss_at", "must be \"every\" or \"last\" (got \(describe(other)))")
        }
        let wih = try Tensor(try value("weight_ih_l0"), "weight_ih_l0", source, rank: 2)
        let (h, i) = (wih.shape[0], wih.shape[1])
        let whh = try Tensor(try value("weight_hh_l0"), "weight_hh_l0", source, rank: 2)
        try whh.expect([h, h], "H×H with H = \(h) from weight_ih_l0")
        let bih = try Tensor(try value("bias_ih_l0"), "bias_ih_l0", source, rank: 1)
        try bih.expect([h], "H = \(h)")
        let bhh = try Tensor(try value("bias_hh_l0"), "bias_hh_l0", source, rank: 1)
        try bhh.expect([h], "H = \(h)")
        let wout = try Tensor(try value("out.weight"), "out.weight", source, rank: 2)
        let o = wout.shape[0]
        try wout.expect([o, h], "O×H with H = \(h)")
        let bout = try Tensor(try value("out.bias"), "out.bias", source, rank: 1)
        try bout.expect([o], "O = \(o) from out.weight")
        let h0 = try Tensor(try value("h0"), "h0", source, rank: 2)
        let b = h0.shape[0]
        try h0.expect([b, h], "B×H with H = \(h)")
        let x = try Tensor(try value("x"), "x", source, rank: 3)
        let t = x.shape[1]
        try x.expect([b, t, i], "B×T×I with B = \(b) from h0 and I = \(i) from weight_ih_l0")
        let y: Tensor
        switch lossKind {
        case .softmaxCrossEntropy:
            y = try Tensor(try value("y"), "y", source, rank: 2)
            try y.expect([b, t], "B×T class indices with B = \(b), T = \(t) from x")
            if let bad = y.values.firstIndex(where: { $0 < 0 || $0 >= Double(o) || $0.rounded() != $0 }) {
                throw InputError("\(source): y", "class indices must be integers in 0 … \(o - 1) (entry \(bad) is \(y.values[bad]))")
            }
        case .binaryCrossEntropy, .meanSquaredError:
            y = try Tensor(try value("y"), "y", source, rank: 3)
            try y.expect([b, t, o], "B×T×O with B = \(b), T = \(t) from x and O = \(o) from out.weight")
            if lossKind == .binaryCrossEntropy, let bad = y.values.firstIndex(where: { $0 < 0 || $0 > 1 }) {
                throw InputError("\(source): y", "targets must be in [0, 1] (entry \(bad) is \(y.values[bad]))")
            }
        }
        let shape = NetworkShape(inputs: i, hidden: h, layers: 1, outputs: o, nonlinearity: nonlinearity)
        return WindowProblem(shape: shape, lossKind: lossKind, batch: b, steps: t, lossSteps: lastOnly ? t...t : 1...t,
                             parameters: wih.values + whh.values + bih.values + bhh.values + wout.values + bout.values,
                             initialStates: [h0.values], inputs: x.values, targets: y.values)
    }

    /// A rectangular array of finite numbers of a given rank, flattened row-major.
    struct Tensor {
        let name: String
        let source: String
        var shape: [Int] = []
        var values: [Double] = []

        init(_ value: JSONValue, _ name: String, _ source: String, rank: Int) throws {
            self.name = name
            self.source = source
            try collect(value, depth: 0, rank: rank, path: name)
        }

        private mutating func collect(_ value: JSONValue, depth: Int, rank: Int, path: String) throws {
            if depth == rank {
                guard case .number(let number) = value else {
                    throw InputError("\(source): \(path)", "expected a number, got \(describe(value))")
                }
                guard number.isFinite else { throw InputError("\(source): \(path)", "must be finite") }
                values.append(number)
                return
            }
            guard case .array(let items) = value else {
                let wanted = rank - depth == 1 ? "an array of numbers" : "an array of arrays (rank \(rank))"
                throw InputError("\(source): \(path)", "expected \(wanted), got \(describe(value))")
            }
            if shape.count == depth {
                guard !items.isEmpty else { throw InputError("\(source): \(path)", "must not be empty") }
                shape.append(items.count)
            } else if shape[depth] != items.count {
                throw InputError("\(source): \(path)", "has \(items.count) entries where \(name) has \(shape[depth]) elsewhere (rows must have equal length)")
            }
            for (index, item) in items.enumerated() {
                try collect(item, depth: depth + 1, rank: rank, path: "\(path)[\(index)]")
            }
        }

        func expect(_ wanted: [Int], _ meaning: String) throws {
            guard shape == wanted else {
                throw InputError("\(source): \(name)", "has shape \(shape.map(String.init).joined(separator: "×")), expected \(wanted.map(String.init).joined(separator: "×")) (\(meaning))")
            }
        }
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "\"\(text)\""
        case .number(let number): "\(number)"
        default: value.kind
        }
    }

    /// `{"name": nested arrays, …}` for a parameter-sized vector in layout order.
    static func tensors(_ values: [Double], _ layout: ParameterLayout) -> String {
        let fields = layout.tensors.map { tensor -> String in
            let slice = values[tensor.offset..<(tensor.offset + tensor.count)]
            let body: String
            if tensor.isVector {
                body = "[" + slice.map(number).joined(separator: ", ") + "]"
            } else {
                body = "[" + (0..<tensor.rows).map { row in
                    "[" + slice.dropFirst(row * tensor.columns).prefix(tensor.columns).map(number).joined(separator: ", ") + "]"
                }.joined(separator: ", ") + "]"
            }
            return "\"\(tensor.name)\": \(body)"
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// A JSON number in its shortest exact form (`null` if not finite, which JSON cannot hold).
    static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
}
