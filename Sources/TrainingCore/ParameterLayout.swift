/// Where each named parameter tensor lives in the one flat parameter buffer.
///
/// Names, shapes and order are PyTorch's (`nn.RNN` followed by an `nn.Linear` called `out`):
/// per layer l `weight_ih_l{l}` (H×I), `weight_hh_l{l}` (H×H), `bias_ih_l{l}` (H),
/// `bias_hh_l{l}` (H); then `out.weight` (O×H), `out.bias` (O). Matrices are row-major as in
/// PyTorch. The recurrent tensors come first, so "every parameter but the read-out" — what BPTD's
/// lag groups Δ ≥ 1 update — is the prefix `0 ..< recurrentCount`.
public struct ParameterLayout: Sendable, Equatable {
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let offset: Int
        public let rows: Int
        /// 1 for vectors.
        public let columns: Int
        /// Whether PyTorch's shape is a vector (`[rows]`) rather than a matrix.
        public let isVector: Bool
        public var count: Int { rows * columns }
    }

    public let shape: NetworkShape
    public let tensors: [Tensor]
    /// All parameters.
    public let count: Int
    /// The parameters of the recurrent layers (everything before `out.weight`).
    public let recurrentCount: Int

    public init(_ shape: NetworkShape) {
        self.shape = shape
        var tensors: [Tensor] = []
        var offset = 0
        func add(_ name: String, _ rows: Int, _ columns: Int, vector: Bool = false) {
            tensors.append(Tensor(name: name, offset: offset, rows: rows, columns: columns, isVector: vector))
            offset += rows * columns
        }
        let h = shape.hidden
        for l in 0..<shape.layers {
            add("weight_ih_l\(l)", h, shape.layerInputs(l))
            add("weight_hh_l\(l)", h, h)
            add("bias_ih_l\(l)", h, 1, vector: true)
            add("bias_hh_l\(l)", h, 1, vector: true)
        }
        recurrentCount = offset
        add("out.weight", shape.outputs, h)
        add("out.bias", shape.outputs, 1, vector: true)
        self.tensors = tensors
        count = offset
    }

    public func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name } }

    // Offsets used by the engines (4 tensors per layer, then the read-out).
    @inlinable public func weightIH(_ layer: Int) -> Int { tensors[4 * layer].offset }
    @inlinable public func weightHH(_ layer: Int) -> Int { tensors[4 * layer + 1].offset }
    @inlinable public func biasIH(_ layer: Int) -> Int { tensors[4 * layer + 2].offset }
    @inlinable public func biasHH(_ layer: Int) -> Int { tensors[4 * layer + 3].offset }
    @inlinable public var outWeight: Int { tensors[4 * shape.layers].offset }
    @inlinable public var outBias: Int { tensors[4 * shape.layers + 1].offset }
}
