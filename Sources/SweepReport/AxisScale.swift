/// Maps data values on one axis to positions in a chart, and says where its ticks go.
protocol AxisScale {
    /// The position of `value` between the range's ends (values outside the domain go beyond them).
    func position(_ value: Double) -> Double
    /// The values to mark on the axis, in increasing order.
    var ticks: [Double] { get }
    /// How a tick's value is written.
    func label(_ value: Double) -> String
}
