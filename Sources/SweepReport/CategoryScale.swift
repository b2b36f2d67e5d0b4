/// An axis of choices (a categorical parameter, as `optimizer`): one slot of width 1 per choice,
/// choice i centred at i, in the order given.
struct CategoryScale: AxisScale {
    let names: [String]
    let from: Double, to: Double

    init(_ names: [String], range: (from: Double, to: Double)) {
        self.names = names
        (from, to) = range
    }

    func position(_ value: Double) -> Double {
        from + (value + 0.5) / Double(max(names.count, 1)) * (to - from)
    }

    var ticks: [Double] { names.indices.map(Double.init) }

    func label(_ value: Double) -> String {
        let index = Int(value.rounded())
        return names.indices.contains(index) ? names[index] : ""
    }
}
