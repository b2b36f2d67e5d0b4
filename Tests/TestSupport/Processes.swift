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
