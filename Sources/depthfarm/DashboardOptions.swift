import ArgumentParser
import Dashboard
import Logging
import TrialFarm

/// `--dashboard` and `--dashboard-token`, shared by the commands that coordinate a sweep.
struct DashboardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serve a live page of the sweep — the report updating itself, /status.json, Prometheus /metrics — at [ADDRESS:]PORT "
                               + "(a port alone: 127.0.0.1; 0: a free port; the address is printed).", valueName: "[address:]port"))
    var dashboard: String?

    @Option(help: ArgumentHelp("Require the token in this file (mode 600; e.g. openssl rand -hex 24) in every request to the live page, "
                               + "as ?token=… or Authorization: Bearer …; needed off loopback without --insecure.", valueName: "file"))
    var dashboardToken: String?

    func validate() throws {
        if let dashboard {
            _ = try DashboardAddress(parsing: dashboard)
        } else if dashboardToken != nil {
            throw ValidationError("--dashboard-token needs --dashboard")
        }
    }

    /// Refuses a page other machines could read without a token, unless `insecure`; the warning to
    /// print when `insecure` lets it through.
    func checkExposure(insecure: Bool) throws -> String? {
        guard let dashboard, dashboardToken == nil else { return nil }
        let address = try DashboardAddress(parsing: dashboard)
        guard !address.isLoopback else { return nil }
        guard insecure else {
            throw InputError("--dashboard \(dashboard)", "other machines could read this sweep's live page; add --dashboard-token FILE or --insecure")
        }
        return "warning: --insecure: the live page on \(address.description) is open to anyone who can reach it"
    }

    /// The token, read and checked (before anything is opened, so that a bad file costs nothing).
    func token() throws -> String? {
        try dashboardToken.map(DashboardToken.read)
    }

    /// Starts the live page if asked for and says where it is; nil if not asked for.
    func start(folder: String, live: LiveStatusBox, token: String?, console: Console, logger: Logger) throws -> Dashboard? {
        guard let dashboard else { return nil }
        let address = try DashboardAddress(parsing: dashboard)
        let server = try Dashboard(pages: LivePages(folder: folder, live: live), address: address, token: token, logger: logger)
        console.line("dashboard: \(server.url)" + (token == nil ? "" : "?token=… (the token in \(dashboardToken!))"))
        return server
    }
}
