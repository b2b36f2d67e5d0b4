import Glibc
import SystemPackage

/// The farm's one funnel to the file system. Every byte written goes through `write` (swift-system's
/// `writeAll`: interrupted and short writes retried until all is written), every read through
/// `read`, and every failure becomes a `SystemError` that keeps the operation, the path and the
/// real errno. Writes that matter are made durable (fsync) and atomic (rename).
public enum FileSystem {
    /// Writes all of `bytes` to `fd`, at `offset` or else at its current position.
    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int? = nil, path: String) throws {
        let file = FileDescriptor(rawValue: fd)
        do {
            if let offset {
                try file.writeAll(toAbsoluteOffset: Int64(offset), bytes)
            } else {
                try file.writeAll(bytes)
            }
        } catch {
            throw SystemError("write", path: path, errno: (error as? Errno)?.rawValue ?? EIO)
        }
    }

    /// Writes all of `text` (UTF-8) to `fd`, at `offset` or else at its current position.
    public static func write(_ fd: Int32, _ text: String, at offset: Int? = nil, path: String) throws {
        var text = text
        try text.withUTF8 { try write(fd, UnsafeRawBufferPointer($0), at: offset, path: path) }
    }

    /// Reads exactly `count` bytes at `offset`; a file shorter than that is an error (EIO).
    public static func read(_ fd: Int32, count: Int, at offset: Int, path: String) throws -> [UInt8] {
        let file = FileDescriptor(rawValue: fd)
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n: Int
            do {
                n = try bytes.withUnsafeMutableBytes { buffer in
                    try file.read(fromAbsoluteOffset: Int64(offset + done), into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
                }
            } catch {
                throw SystemError("read", path: path, errno: (error as? Errno)?.rawValue ?? EIO)
            }
            if n == 0 { throw SystemError("read", path: path, errno: EIO) }  // cut short since it was written
            done += n
        }
        return bytes
    }

    /// Copies `count` bytes of `source` from `offset` to `destination` at `destinationOffset`,
    /// a megabyte at a time (memory stays bounded whatever `count`), taking them into `crc`.
    public static func copy(_ count: Int, from source: Int32, at offset: Int, path sourcePath: String,
                            to destination: Int32, at destinationOffset: Int, path destinationPath: String, crc: inout CRC32C) throws {
        var done = 0
        while done < count {
            let piece = try read(source, count: min(1 << 20, count - done), at: offset + done, path: sourcePath)
            try piece.withUnsafeBytes {
                try write(destination, $0, at: destinationOffset + done, path: destinationPath)
                crc.update($0)
            }
            done += piece.count
        }
    }

    /// The CRC-32C of `count` bytes of `fd` from `offset`, read a megabyte at a time.
    public static func checksum(_ fd: Int32, count: Int, at offset: Int, path: String) throws -> UInt32 {
        var crc = CRC32C(), done = 0
        while done < count {
            let piece = try read(fd, count: min(1 << 20, count - done), at: offset + done, path: path)
            crc.update(piece)
            done += piece.count
        }
        return crc.value
    }

    /// The size of the file open as `fd`.
    public static func size(_ fd: Int32, path: String) throws -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemError("read", path: path, errno: errno) }
        return Int(info.st_size)
    }

    /// The whole content of a file, as bytes.
    public static func readBytes(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("read", path: path, errno: errno) }
        defer { close(fd) }
        let file = FileDescriptor(rawValue: fd)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try file.read(into: $0) }
            } catch {
                throw SystemError("read", path: path, errno: (error as? Errno)?.rawValue ?? EIO)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// The whole content of a file as UTF-8 text.
    public static func readText(_ path: String) throws -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// The content of a small regular file such as a key file, and its status, read without
    /// trusting what the path names: opened without blocking (a FIFO would wait for a writer
    /// forever), refused unless it is a regular file (a device such as /dev/zero never ends) of at
    /// most `maximumBytes` (a large file is refused before any of it is read), and never read past
    /// that (a file that grows meanwhile is refused too). `what` names it in errors ("a key file").
    public static func readSmallFile(_ path: String, maximumBytes: Int, what: String) throws -> (bytes: [UInt8], status: stat) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("read", path: path, errno: errno) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw SystemError("read", path: path, errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw InputError(path, "is not a regular file (\(what) is expected)") }
        let tooLarge = InputError(path, "is too large for \(what) (more than \(maximumBytes) bytes)")
        guard status.st_size <= maximumBytes else { throw tooLarge }
        let file = FileDescriptor(rawValue: fd)
        var bytes = [UInt8](repeating: 0, count: maximumBytes + 1), count = 0
        while count < bytes.count {
            let n: Int
            do {
                n = try bytes.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[count...])) }
            } catch {
                throw SystemError("read", path: path, errno: (error as? Errno)?.rawValue ?? EIO)
            }
            if n == 0 { break }
            count += n
        }
        guard count <= maximumBytes else { throw tooLarge }
        return (Array(bytes[..<count]), status)
    }

    /// The whole content of a file that must be UTF-8 text, such as a sweep file: one that is not
    /// is refused, naming the line and the first bad byte, rather than read with the bytes
    /// replaced (a name or a value would silently change).
    public static func readUTF8(_ path: String) throws -> String {
        try utf8Text(try readBytes(path), source: path)
    }

    /// `bytes` as UTF-8 text; an `InputError` at `source` where they are not.
    static func utf8Text(_ bytes: [UInt8], source: String) throws -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var parser = UTF8.ForwardParser(), iterator = bytes.makeIterator(), offset = 0
        while case .valid(let scalar) = parser.parseScalar(from: &iterator) { offset += scalar.count }
        let line = bytes[..<offset].count(where: { $0 == UInt8(ascii: "\n") }) + 1
        let hex = String(bytes[offset], radix: 16, uppercase: true)
        throw InputError("\(source):\(line)", "not UTF-8 text (byte 0x\(hex.count < 2 ? "0" : "")\(hex) at offset \(offset)); save the file as UTF-8")
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and any missing parents (like `mkdir -p`); the error names the folder that
    /// could not be made and why.
    public static func createDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        let parent = directory(of: path)
        if parent != path && parent != "." && parent != "/" && !exists(parent) { try createDirectories(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw SystemError("create", path: path, errno: errno) }
        guard isDirectory(path) else { throw SystemError("use as a folder", path: path, errno: ENOTDIR) }
    }

    /// Removes a file, or a folder with everything in it; a missing one is no error.
    public static func remove(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw SystemError("remove", path: path, errno: errno)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try names(in: path) { try remove(path + "/" + name) }
            guard rmdir(path) == 0 else { throw SystemError("remove", path: path, errno: errno) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw SystemError("remove", path: path, errno: errno) }
        }
    }

    /// The names in folder `path` (without `.` and `..`); none if it does not exist.
    public static func names(in path: String) throws -> [String] {
        guard let folder = opendir(path) else {
            if errno == ENOENT { return [] }
            throw SystemError("read the folder", path: path, errno: errno)
        }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes the regular files of folder `path` whose names `matching` accepts, then the folder
    /// if that leaves it empty; a missing folder is no error.
    public static func remove(in path: String, where matching: (String) -> Bool) throws {
        let names = try names(in: path)
        for name in names where matching(name) {
            var info = stat()
            guard lstat(path + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            try remove(path + "/" + name)
        }
        if isDirectory(path), try self.names(in: path).isEmpty { try remove(path) }
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

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard error == nil else { return }
        buffer.append(contentsOf: bytes)
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
        guard error == nil, !buffer.isEmpty else { return }
        do {
            try buffer.withUnsafeBytes { try FileSystem.write(fd, $0, path: name) }
        } catch {
            self.error = error as? SystemError ?? SystemError("write", path: name, errno: EIO)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
