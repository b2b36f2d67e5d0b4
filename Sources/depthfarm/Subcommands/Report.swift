import ArgumentParser
import SweepReport
import TrialFarm

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a sweep's figures to one self-contained HTML file.",
        discussion: """
            Reads an output folder — also while its sweep still runs — and writes the learning \
            curves (mean across seeds with 95% confidence bands, clipped to each metric's range) of \
            the best configurations, a search's parameters against its metric, the ‖∂L/∂h_t‖ probe, W_hh's \
            largest singular value and, for BPTD, the per-lag gradient cosines, gradient norms and \
            Adam moments, with an overview and the leaderboard. The file needs nothing else to be \
            viewed: inline SVG and CSS, no scripts, fonts or network.
            """
    )

    @Argument(help: ArgumentHelp("The output folder of a sweep.", valueName: "folder"))
    var folder: String

    @Option(help: ArgumentHelp("Where to write the report (default: FOLDER/report.html).", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("One curve per value of this parameter (e.g. method), averaging its configurations, instead of one per configuration.",
                               valueName: "parameter"))
    var groupBy: String?

    @Option(help: ArgumentHelp("The moving average of the gradient cosines, in training windows.", valueName: "windows"))
    var smooth = 20

    @Option(help: ArgumentHelp("The curve charts draw the best this many configurations (or groups) by the sweep's metric; the leaderboard and the search charts keep them all.",
                               valueName: "k"))
    var top = 10

    func validate() throws {
        guard (1...1_000_000).contains(smooth) else { throw ValidationError("--smooth must be in 1 … 1000000 (got \(smooth))") }
        guard (1...1_000_000).contains(top) else { throw ValidationError("--top must be in 1 … 1000000 (got \(top))") }
    }

    func run() throws {
        var options = SweepReport.Options(groupBy: groupBy)
        options.smoothingWindows = smooth
        options.top = top
        let destination = out ?? folder + "/report.html"
        try SweepReport.write(folder: folder, to: destination, options: options)
        print("report: \(destination)")
    }
}
