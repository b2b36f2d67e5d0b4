import Glibc

/// The few file operations the farm needs, as direct POSIX calls so that failures keep their
/// errno, and writes that matter are made durable (fsync) and atomic (rename).
public enum FileSystem {
    /// The whole content of a file as UTF-8 text.
    public static func readText(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("read", path: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path: path, errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Writes `text` to `path` atomically: a temporary file in the same folder, fsync, rename,
    /// fsync of the folder. Readers see the old content or the new, never a mix.
    public static func writeAtomically(_ text: String, to path: String) throws {
        let file = try BufferedFile(temporaryFor: path)
        file.write(text)
        try file.commit(to: path)
    }

    /// fsyncs a folder so that a rename or a new entry in it survives a crash.
    public static func syncDirectory(_ path: String) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// The folder part of a path ("." for a bare name).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// An output file written through a 64 KiB buffer. Either standard output, or a temporary file
/// beside its destination that `commit(to:)` makes durable and renames into place — so an
/// existing file is replaced only by a complete one, and an abandoned one leaves nothing behind.
/// The first write error is kept and thrown by `flush()`/`commit(to:)`; later writes are dropped.
public final class BufferedFile {
    private let fd: Int32
    private let name: String
    private var buffer: [UInt8] = []
    /// The temporary file, until committed; nil for standard output.
    private var temporaryPath: String?
    public private(set) var error: SystemError?

    /// Standard output (flushed, never closed).
    public static func standardOutput() -> BufferedFile { BufferedFile(fd: 1, name: "standard output") }

    private init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
        buffer.reserveCapacity(1 << 16)
    }

    /// A new temporary file in the folder of `destination`.
    public init(temporaryFor destination: String) throws {
        let path = "\(destination).tmp-\(getpid())"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("write", path: destination, errno: errno) }
        self.fd = fd
        name = destination
        temporaryPath = path
        buffer.reserveCapacity(1 << 16)
    }

    deinit {
        if let temporaryPath {
            close(fd)
            unlink(temporaryPath)
        }
    }

    public func write(_ text: String) {
        guard error == nil else { return }
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { drain() }
    }

    /// Writes out what is buffered; throws the first write error so far.
    public func flush() throws {
        drain()
        if let error { throw error }
    }

    /// Flushes, fsyncs and renames the temporary file to `destination` (for standard output:
    /// flushes).
    public func commit(to destination: String) throws {
        try flush()
        guard let temporaryPath else { return }
        guard fsync(fd) == 0 else { throw SystemError("write", path: destination, errno: errno) }
        guard rename(temporaryPath, destination) == 0 else {
            throw SystemError("rename into", path: destination, errno: errno)
        }
        close(fd)
        self.temporaryPath = nil
        FileSystem.syncDirectory(FileSystem.directory(of: destination))
    }

    private func drain() {
        var offset = 0
        while offset < buffer.count, error == nil {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                error = SystemError("write", path: name, errno: errno)
            } else {
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
