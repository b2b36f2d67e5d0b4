import Foundation

/// What a finished process left behind.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

/// The `depthfarm` executable built beside the test binary (or `$DEPTHFARM_BINARY`).
public func depthfarmBinary() -> String {
    if let path = ProcessInfo.processInfo.environment["DEPTHFARM_BINARY"] { return path }
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = here.deletingLastPathComponent()
    // The test binary is either in the products folder or inside a bundle in it.
    for _ in 0..<4 {
        let candidate = folder.appendingPathComponent("depthfarm").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        folder = folder.deletingLastPathComponent()
    }
    return "depthfarm"
}

/// Runs `depthfarm` with `arguments` to completion and collects its output.
@discardableResult
public func runDepthFarm(_ arguments: [String], input: String? = nil, directory: String? = nil,
                         environment: [String: String] = [:]) throws -> ProcessResult {
    try run(depthfarmBinary(), arguments, input: input, directory: directory, environment: environment)
}

/// Starts `program` with posix_spawn, its standard input, output and error on the given file
/// descriptors, with an empty signal mask and default signal dispositions (not the test runner's,
/// which blocks signals in its threads). Its pid; whoever calls this reaps it with waitpid.
///
/// Foundation's `Process` is not used: its exit detection depends on SIGCHLD reaching its
/// monitor thread — a signal that can go to another of the test runner's threads and be lost,
/// leaving a child that is never seen to end (seen with scripts that start daemons) — and its
/// children inherit the blocked signals, so that a script's `trap` never runs.
func spawn(_ program: String, _ arguments: [String], directory: String?, environment: [String: String],
           standardInput: Int32, standardOutput: Int32, standardError: Int32) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
    posix_spawn_file_actions_adddup2(&actions, standardOutput, 1)
    posix_spawn_file_actions_adddup2(&actions, standardError, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    // posix_spawn_file_actions_addchdir_np is not visible to Swift: coreutils' env changes folder.
    let command = directory.map { ["/usr/bin/env", "-C", $0, program] } ?? [program]
    let argv = (command + arguments).map { strdup($0) } + [nil]
    let envp = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0)=\($1)") } + [nil]
    defer { for pointer in argv + envp { free(pointer) } }
    var pid: pid_t = 0
    let failure = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
    guard failure == 0 else { throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO) }
    return pid
}

/// The exit status in a waitpid status, or 128 + the signal that ended the process.
func exitStatus(_ status: Int32) -> Int32 {
    status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

/// Runs a program to completion and collects its output.
public func run(_ program: String, _ arguments: [String], input: String? = nil, directory: String? = nil,
                environment: [String: String] = [:]) throws -> ProcessResult {
    // Standard input, output and error: [parent's end, child's end] each. Socket pairs, because
    // they can be made close-on-exec at once (pipe2 is not visible to Swift): no other test's
    // child may inherit an end and hold it open.
    var ends: [[Int32]] = []
    defer { for pair in ends { for fd in pair where fd >= 0 { close(fd) } } }
    for _ in 0..<3 {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        ends.append(pair)
    }
    let pid = try spawn(program, arguments, directory: directory, environment: environment,
                        standardInput: ends[0][1], standardOutput: ends[1][1], standardError: ends[2][1])
    for n in 0..<3 {
        close(ends[n][1])
        ends[n][1] = -1
    }
    // Feed the input and read output and errors as they come, so that no pipe fills up and
    // blocks the child, until output and errors are closed.
    signal(SIGPIPE, SIG_IGN)  // a child that exits without reading makes write fail, not kill us
    var pending = Array((input ?? "").utf8)[...]
    _ = fcntl(ends[0][0], F_SETFL, O_NONBLOCK)  // write what fits, never wait for the child to read
    var collected: [[UInt8]] = [[], []]
    var open = [true, true]
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while open.contains(true) {
        if pending.isEmpty && ends[0][0] >= 0 {
            close(ends[0][0])
            ends[0][0] = -1
        }
        var fds = [pollfd(fd: ends[0][0], events: Int16(POLLOUT), revents: 0)]
            + (0..<2).map { pollfd(fd: open[$0] ? ends[$0 + 1][0] : -1, events: Int16(POLLIN), revents: 0) }
        guard poll(&fds, 3, -1) >= 0 || errno == EINTR else { break }
        if fds[0].revents != 0 {
            let written = pending.withUnsafeBytes { write(ends[0][0], $0.baseAddress, $0.count) }
            if written > 0 { pending = pending.dropFirst(written) } else if errno != EINTR && errno != EAGAIN { pending = [] }
        }
        for n in 0..<2 where open[n] && fds[n + 1].revents != 0 {
            let count = chunk.withUnsafeMutableBytes { read(ends[n + 1][0], $0.baseAddress, $0.count) }
            if count > 0 {
                collected[n].append(contentsOf: chunk[0..<count])
            } else if count == 0 || errno != EINTR {
                open[n] = false
            }
        }
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
    }
    return ProcessResult(status: exitStatus(status),
                         standardOutput: String(decoding: collected[0], as: UTF8.self),
                         standardError: String(decoding: collected[1], as: UTF8.self))
}

/// A fresh temporary folder, removed when the value is.
public final class TemporaryFolder: @unchecked Sendable {
    public let path: String

    public init(_ name: String = "depthfarm-test") {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the folder.
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Writes `text` to `name` inside the folder and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    /// The names of the folder's entries, sorted.
    public func entries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}

/// A process running in the background while a test watches it; its output goes to files.
public final class BackgroundProcess: @unchecked Sendable {
    public let pid: pid_t
    let outputPath: String, errorPath: String
    private let lock = NSLock()
    /// Its exit status once it has ended and been reaped (128 + signal if a signal ended it).
    private var endStatus: Int32?

    /// Starts `program` (default: depthfarm) with `arguments`; `folder` receives its output files.
    public init(_ arguments: [String], program: String = depthfarmBinary(), folder: TemporaryFolder, name: String,
                environment: [String: String] = [:]) throws {
        outputPath = folder.file("\(name).out")
        errorPath = folder.file("\(name).err")
        let files = [open("/dev/null", O_RDONLY | O_CLOEXEC),
                     open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644),
                     open(errorPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)]
        defer { for fd in files where fd >= 0 { close(fd) } }
        guard files.allSatisfy({ $0 >= 0 }) else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        pid = try spawn(program, arguments, directory: nil, environment: environment,
                        standardInput: files[0], standardOutput: files[1], standardError: files[2])
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            wait(timeout: 5)
        }
    }

    /// Its exit status if it has ended (reaping it then), or nil while it runs.
    private var status: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if endStatus == nil {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { endStatus = exitStatus(status) }
        }
        return endStatus
    }

    public var isRunning: Bool { status == nil }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits up to `timeout` seconds; the exit status (128 + signal if killed by one), or nil if
    /// still running.
    @discardableResult
    public func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(10_000) }
        return status
    }

    public var standardOutput: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Waits until `condition` holds on the error output (or `timeout` passes); whether it did.
    public func waitForError(timeout: Double, _ condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(standardError) { return true }
            usleep(10_000)
        }
        return condition(standardError)
    }
}

/// Waits until `condition` holds, checking every 5 ms, for at most `timeout` seconds; whether it did.
public func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// A TCP port on 127.0.0.1 that nothing listens on right now (the system's choice).
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

extension ProcessResult {
    /// The error output without the usage hints swift-argument-parser adds after an error
    /// ("Help: …", "Usage: …", "  See '… --help' …"): the lines that say what went wrong.
    public var errorLines: [Substring] {
        standardError.split(separator: "\n").filter {
            !$0.isEmpty && !$0.hasPrefix("Usage:") && !$0.hasPrefix("Help:") && !$0.hasPrefix("  See '")
        }
    }
}
