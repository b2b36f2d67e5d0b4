/// The sizes of a stacked Elman network with a linear read-out at every step.
public struct NetworkShape: Sendable, Equatable {
    /// Input features per step (I).
    public var inputs: Int
    /// Hidden units per layer (H).
    public var hidden: Int
    /// Stacked recurrent layers (1 or 2).
    public var layers: Int
    /// Read-out outputs per step (O).
    public var outputs: Int
    public var nonlinearity: Nonlinearity

    public init(inputs: Int, hidden: Int, layers: Int, outputs: Int, nonlinearity: Nonlinearity) {
        precondition(inputs > 0 && hidden > 0 && (1...2).contains(layers) && outputs > 0)
        self.inputs = inputs
        self.hidden = hidden
        self.layers = layers
        self.outputs = outputs
        self.nonlinearity = nonlinearity
    }

    /// Inputs to layer `l`: the task's features for layer 0, the layer below's state above.
    public func layerInputs(_ layer: Int) -> Int { layer == 0 ? inputs : hidden }
}
