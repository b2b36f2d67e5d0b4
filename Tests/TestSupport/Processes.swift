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

/// Runs a program to completion and collects its output.
public func run(_ program: String, _ arguments: [String], input: String? = nil, directory: String? = nil,
                environment: [String: String] = [:]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe(), errors = Pipe(), stdin = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = stdin
    try process.run()
    // Read both pipes concurrently so that neither fills up and blocks the child.
    let collected = CollectedOutput()
    let group = DispatchGroup()
    for (pipe, isError) in [(output, false), (errors, true)] {
        group.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            collected.set(data, isError: isError)
            group.leave()
        }
    }
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try? stdin.fileHandleForWriting.close()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         standardOutput: String(decoding: collected.output, as: UTF8.self),
                         standardError: String(decoding: collected.errors, as: UTF8.self))
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var outputData = Data(), errorData = Data()
    func set(_ data: Data, isError: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isError { errorData = data } else { outputData = data }
    }
    var output: Data { lock.lock(); defer { lock.unlock() }; return outputData }
    var errors: Data { lock.lock(); defer { lock.unlock() }; return errorData }
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
    public let process = Process()
    let outputPath: String, errorPath: String

    /// Starts `program` (default: depthfarm) with `arguments`; `folder` receives its output files.
    public init(_ arguments: [String], program: String = depthfarmBinary(), folder: TemporaryFolder, name: String,
                environment: [String: String] = [:]) throws {
        outputPath = folder.file("\(name).out")
        errorPath = folder.file("\(name).err")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits up to `timeout` seconds; the exit status (128 + signal if killed by one), or nil if
    /// still running.
    @discardableResult
    public func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
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
