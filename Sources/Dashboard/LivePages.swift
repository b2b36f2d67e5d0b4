import Foundation
import Synchronization
import SweepReport
import TrialFarm

/// What the dashboard serves, made from the coordinator's latest `LiveStatus` and the output
/// folder: the report page with a live trials table and a script that keeps it current, the
/// same without its frame (`/fragment`), the status as JSON and the Prometheus metrics. The
/// report's part — the folder's completed results read from disk — is made again only when more
/// trials have finished.
public final class LivePages: Sendable {
    let folder: String
    let live: LiveStatusBox
    /// The report's content as of this many finished trials, when it was made and what that took.
    private let cache = Mutex<(finished: Int, content: SweepReport.Content, made: ContinuousClock.Instant, cost: Duration)?>(nil)

    /// Set when the server stops: waiting requests answer at once.
    private let closing = Mutex(false)

    func close() { closing.withLock { $0 = true } }

    /// How often the page asks for news, and how long a `/status.json?since=N` waits for a
    /// revision after N before it answers anyway.
    static let pollMilliseconds = 2000
    static let longestWait = Duration.seconds(10)

    public init(folder: String, live: LiveStatusBox) {
        self.folder = folder
        self.live = live
    }

    /// The report of the folder as of the latest snapshot's finished trials. Made again when more
    /// have finished, but not sooner than 5 times as long as it took to make the last time (at
    /// least 2 s): on a large sweep reading the folder takes a core for a while, and the
    /// coordinator and the workers on this machine need it more.
    func content(_ status: LiveStatus?) -> SweepReport.Content {
        let finished = status?.counts.finished ?? -1
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), cached.finished == finished || now - cached.made < max(.seconds(2), cached.cost * 5) {
            return cached.content
        }
        var options = SweepReport.Options(running: true)
        options.top = 10
        let content: SweepReport.Content
        do {
            content = try SweepReport.content(folder: folder, options: options)
        } catch {
            let message = HTML.escape("The report cannot be made from \(folder) now: \(error)")
            content = SweepReport.Content(title: status?.sweep ?? "sweep", header: "<header><h1>\(HTML.escape(status?.sweep ?? "sweep"))</h1></header>\n",
                                          sections: "<p class=\"empty\">\(message)</p>\n")
        }
        cache.withLock { $0 = (finished, content, now, ContinuousClock.now - now) }
        return content
    }

    /// The live part of the page: the report's header, the trials table, the report's sections.
    public func fragment() -> String {
        let status = live.latest
        let content = content(status)
        let table = status.map { SweepReport.liveSection($0, now: LiveStatus.now()) }
            ?? "<section id=\"trials\"><h2>Trials</h2><p class=\"live\" id=\"live-state\">Waiting for the coordinator's first snapshot.</p></section>\n"
        return content.header + table + content.sections
    }

    /// The whole page, as the browser first loads it.
    public func page() -> String {
        let status = live.latest
        let opened = status.map {
            "<p class=\"meta\" id=\"opened\" data-finished=\"\($0.counts.finished)\">This page was opened with \($0.counts.finished) of \($0.counts.total) trials finished; "
                + "it updates itself every \(Self.pollMilliseconds / 1000) s.</p>\n"
        } ?? ""
        let main = "<div id=\"live\" data-revision=\"\(status?.revision ?? 0)\">\n\(fragment())</div>\n" + opened
        return SweepReport.document(content(status), main: main, script: Self.script)
    }

    /// `/status.json`: the latest snapshot; with `since`, waits (up to `longestWait`) for a newer one.
    public func statusJSON(since: Int?) async -> String? {
        if let since {
            let deadline = ContinuousClock.now + Self.longestWait
            while let status = live.latest, status.revision == since, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(100))
                if Task.isCancelled || closing.withLock({ $0 }) { break }
            }
        }
        return live.latest?.json()
    }

    /// `/metrics`.
    public func metrics() -> String? {
        live.latest?.prometheusText(now: LiveStatus.now())
    }

    /// The page's script: every 2 s it asks `/status.json` for a revision newer than the one shown
    /// and, when there is one, replaces the live part with `/fragment`. The address's query (a
    /// `?token=…`) goes with every request. When the coordinator is gone it says so and keeps the
    /// last state on screen.
    static let script = """

        (function () {
          var live = document.getElementById('live');
          var query = location.search ? location.search + '&' : '?';
          function ended() {
            var state = document.getElementById('live-state');
            if (state) { state.className = 'live ended'; state.textContent = 'The sweep is no longer served (it ended, or its coordinator stopped): this is its last state.'; }
          }
          function poll() {
            fetch('status.json' + query + 'since=' + live.dataset.revision, {cache: 'no-store'})
              .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
              .then(function (status) {
                if (String(status.revision) === live.dataset.revision) { return; }
                return fetch('fragment' + query.replace(/&$|\\?$/, ''), {cache: 'no-store'})
                  .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.text(); })
                  .then(function (html) { live.innerHTML = html; live.dataset.revision = String(status.revision); });
              })
              .catch(ended)
              .then(function () { setTimeout(poll, \(pollMilliseconds)); });
          }
          setTimeout(poll, \(pollMilliseconds));
        })();

        """
}
