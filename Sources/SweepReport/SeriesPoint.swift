import TrialFarm

/// One point of a curve: the mean across trials at `x`, with its 95% confidence band where there
/// are at least two trials.
struct SeriesPoint: Equatable {
    var x: Double
    var y: Double
    var low: Double?
    var high: Double?

    init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
        (self.x, self.y, self.low, self.high) = (x, y, low, high)
    }

    /// The mean of `statistics` at `x`, with the Student-t 95% interval (as in summary.csv).
    init(x: Double, _ statistics: RunningStatistics) {
        let interval = statistics.confidenceInterval95
        self.init(x: x, y: statistics.mean, low: interval?.low, high: interval?.high)
    }

    /// `points` cut down to at most `limit`, each a run of consecutive points averaged (band
    /// ends included), so that a long curve stays a light drawing with the same shape.
    static func thinned(_ points: [SeriesPoint], limit: Int) -> [SeriesPoint] {
        guard points.count > limit, limit > 0 else { return points }
        let run = (points.count + limit - 1) / limit
        return stride(from: 0, to: points.count, by: run).map { start in
            let slice = points[start..<min(start + run, points.count)]
            let n = Double(slice.count)
            let lows = slice.compactMap(\.low), highs = slice.compactMap(\.high)
            return SeriesPoint(x: slice.map(\.x).reduce(0, +) / n, y: slice.map(\.y).reduce(0, +) / n,
                               low: lows.count == slice.count ? lows.reduce(0, +) / n : nil,
                               high: highs.count == slice.count ? highs.reduce(0, +) / n : nil)
        }
    }
}
