import TrainingCore
import TrialFarm

/// Which series the per-configuration curve charts draw, and in which colour. A random search of
/// 48 configurations drawn as 48 lines is a tangle in repeated colours; the report draws the top
/// K by the sweep's metric, each in a colour of its own (up to the palette's size), the same
/// colour for the same series in every chart, and says when it left some out.
struct CurveSelection {
    /// Every series, best first by the sweep's metric; those without a value last, in order.
    let ranked: [Int]
    /// The first K of `ranked`.
    let shown: [Int]
    /// Each shown series' colour.
    private let colors: [Int: String]

    /// Series ranked by `scores` (the sweep's metric at the last epoch, per series) towards
    /// `goal`, the first `top` shown, coloured in rank order.
    init(scores: [Double?], goal: Sweep.Goal, top: Int) {
        ranked = ResultFiles.leaderboardOrder(scores, goal: goal)
        shown = Array(ranked.prefix(max(top, 0)))
        colors = Dictionary(uniqueKeysWithValues: shown.enumerated().map { ($1, Palette.category($0)) })
    }

    private init(ranked: [Int], shown: [Int], colors: [Int: String]) {
        (self.ranked, self.shown, self.colors) = (ranked, shown, colors)
    }

    func color(_ series: Int) -> String { colors[series] ?? "#b4b4b4" }

    /// The top K among `subset` (e.g. the BPTD series). A series keeps the colour it has in the
    /// full selection; the others take colours no kept one uses, so one chart repeats none.
    func restricted(to subset: Set<Int>) -> CurveSelection {
        let ranked = ranked.filter(subset.contains)
        let shown = Array(ranked.prefix(self.shown.count))
        var colors = colors.filter { shown.contains($0.key) }
        // First the colours no series of the full selection has, so that a colour means one
        // series across the page as far as the palette allows.
        let taken = Set(self.colors.values), kept = Set(colors.values)
        var free = (Palette.categorical.filter { !taken.contains($0) } + Palette.categorical.filter { taken.contains($0) && !kept.contains($0) }).makeIterator()
        for series in shown where colors[series] == nil {
            colors[series] = free.next() ?? Palette.category(colors.count)
        }
        return CurveSelection(ranked: ranked, shown: shown, colors: colors)
    }

    /// "top 10 of 48 configurations by test_acc", or nil when every series is shown.
    func cut(noun: String, metric: Metric) -> String? {
        shown.count < ranked.count ? "top \(shown.count) of \(ranked.count) \(noun) by \(metric.rawValue)" : nil
    }
}
