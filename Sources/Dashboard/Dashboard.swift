import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import TrialFarm

/// `--dashboard`: an HTTP server (Hummingbird) for a running sweep — `/` the report page with a
/// live trials table that updates itself, `/fragment` its live part, `/status.json` the
/// coordinator's latest `LiveStatus`, `/metrics` for Prometheus. It runs on an event loop thread
/// of its own and Swift's concurrency pool; it reads the coordinator's state only as the
/// snapshots the coordinator hands to `LiveStatusBox`, so the coordinator's loop never waits
/// for it.
public final class Dashboard: Sendable {
    /// The page's address, with the port bound (`http://127.0.0.1:PORT/`).
    public let url: String
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let pages: LivePages
    /// The service group running the server, and the task running that.
    private let services: ServiceGroup
    private let server: Mutex<Task<Void, Never>?>

    /// The server could not start listening.
    public struct StartError: Error, CustomStringConvertible {
        public let address: DashboardAddress
        public let reason: String
        public var description: String { "--dashboard \(address.description): cannot listen (\(reason))" }
    }

    /// Starts serving `pages` at `address`; returns once it listens (or throws why it cannot).
    /// With a `token`, every request must carry it.
    public init(pages: LivePages, address: DashboardAddress, token: String?, logger: Logger) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.pages = pages
        let router = Router()
        if let token { router.add(middleware: TokenCheck<BasicRequestContext>(token: token)) }
        Self.addRoutes(to: router, pages: pages)
        let started = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Int, StartError>?>(nil)
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)  // not a line per request or "server started"
        let app = Application(router: router, configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
                              onServerRunning: { channel in
                                  outcome.withLock { $0 = .success(channel.localAddress?.port ?? address.port) }
                                  started.signal()
                              },
                              eventLoopGroupProvider: .shared(group), logger: quiet)
        // No signals: the command's own handlers keep SIGINT and SIGTERM.
        let services = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: quiet)
        self.services = services
        let task = Task.detached {
            do {
                try await services.run()
            } catch {
                let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
                outcome.withLock { if $0 == nil { $0 = .failure(StartError(address: address, reason: reason)) } }
            }
            started.signal()
        }
        server = Mutex(task)
        if started.wait(timeout: .now() + 30) == .timedOut {
            outcome.withLock { if $0 == nil { $0 = .failure(StartError(address: address, reason: "it did not start within 30 s")) } }
        }
        switch outcome.withLock({ $0 })! {
        case .success(let port):
            self.port = port
            url = address.url(port: port, hostName: WorkerOptions.hostName())
        case .failure(let error):
            task.cancel()
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// Stops serving — requests under way are answered (a waiting `/status.json` at once), then
    /// the connections close — and waits for it, at most a few seconds.
    public func stop() {
        guard let task = server.withLock({ current in defer { current = nil }; return current }) else { return }
        pages.close()
        let done = DispatchSemaphore(value: 0)
        let services = services
        Task.detached {
            await services.triggerGracefulShutdown()
            await task.value
            done.signal()
        }
        if done.wait(timeout: .now() + 3) == .timedOut {
            task.cancel()
            _ = done.wait(timeout: .now() + 2)
        }
        try? group.syncShutdownGracefully()
    }

    static func addRoutes(to router: Router<BasicRequestContext>, pages: LivePages) {
        router.get("/") { _, _ in html(pages.page()) }
        router.get("/fragment") { _, _ in html(pages.fragment()) }
        router.get("/status.json") { request, _ -> Response in
            let since = request.uri.queryParameters.get("since").flatMap { Int($0) }
            guard let json = await pages.statusJSON(since: since) else { return unavailable() }
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        router.get("/metrics") { _, _ -> Response in
            guard let text = pages.metrics() else { return unavailable() }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func unavailable() -> Response {
        Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: "1"],
                 body: .init(byteBuffer: ByteBuffer(string: "the coordinator has not made its first snapshot yet\n")))
    }
}

/// Refuses a request without the dashboard's token: 401 without one, 403 with a wrong one.
struct TokenCheck<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var given = request.uri.queryParameters.get("token").map { Substring($0) }
        if let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
            given = authorization.dropFirst("Bearer ".count)
        }
        if DashboardToken.matches(given, token) { return try await next(request, context) }
        let (status, text): (HTTPResponse.Status, String) = given == nil
            ? (.unauthorized, "this dashboard needs its token: add ?token=TOKEN to the address, or send Authorization: Bearer TOKEN\n")
            : (.forbidden, "wrong token\n")
        return Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .wwwAuthenticate: "Bearer"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
