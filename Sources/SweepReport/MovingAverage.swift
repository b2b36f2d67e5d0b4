/// Trailing moving averages over training windows, as the BPTD write-up smooths its gradient
/// cosines ("a 20-window moving average").
enum MovingAverage {
    /// Each point's y replaced by the mean of the ys of the points with x in (x − window, x].
    /// Points are recorded every `metrics_every` windows, so a 20-window average spans 20 / that
    /// many points. `points` must be sorted by x. The band is dropped: it does not average.
    static func trailing(_ points: [SeriesPoint], window: Double) -> [SeriesPoint] {
        var start = 0
        return points.indices.map { end in
            while points[start].x <= points[end].x - window { start += 1 }
            let ys = points[start...end].map(\.y)
            return SeriesPoint(x: points[end].x, y: ys.reduce(0, +) / Double(ys.count))
        }
    }
}
