import Glibc
import TrialFarm

/// The folder an export goes to. It is written whole beside its destination
/// (`OUT.partial-PID`) and renamed into place at the end, so an export that fails leaves nothing
/// half-written, and an earlier export is replaced only by a complete one.
///
/// An existing folder that is not empty is refused unless `force`; even then it is replaced only
/// if an export made it (it holds the marker file `.depthfarm-export`): a user's own folder given
/// by mistake as `--out` is never removed.
final class ExportDestination {
    /// The folder, as given.
    let path: String
    /// The folder as an absolute path (MLflow records where each run's artifacts would go).
    let absolutePath: String
    /// Where the export is written before it is renamed to `path`.
    let staging: String

    /// Files and bytes written so far.
    private(set) var files = 0
    private(set) var bytes = 0

    static let marker = ".depthfarm-export"

    init(_ path: String, force: Bool) throws {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        self.path = path
        if FileSystem.exists(path) {
            guard FileSystem.isDirectory(path) else { throw InputError(path, "exists and is not a folder (choose another --out)") }
            let names = try FileSystem.names(in: path)
            if !names.isEmpty {
                guard force else { throw InputError(path, "is not empty (add --force to replace an earlier export there)") }
                guard names.contains(Self.marker) else {
                    throw InputError(path, "holds files that are not a depthfarm export: not replaced, even with --force (choose another --out)")
                }
            }
        }
        let parent = FileSystem.directory(of: path)
        try FileSystem.createDirectories(parent)
        guard let resolved = realpath(parent, nil) else { throw SystemError("read", path: parent, errno: errno) }
        defer { free(resolved) }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        absolutePath = (String(cString: resolved) == "/" ? "" : String(cString: resolved)) + "/" + name
        staging = "\(path).partial-\(getpid())"
        try FileSystem.remove(staging)
        guard mkdir(staging, 0o755) == 0 else { throw SystemError("create", path: path, errno: errno) }
    }

    /// Writes `bytes` to the file `relative` (a path inside the export), creating its folders.
    func write(_ bytes: [UInt8], to relative: String) throws {
        let file = staging + "/" + relative
        try FileSystem.createDirectories(FileSystem.directory(of: file))
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("write", path: path + "/" + relative, errno: errno) }
        defer { close(fd) }
        try bytes.withUnsafeBytes { try FileSystem.write(fd, $0, path: path + "/" + relative) }
        files += 1
        self.bytes += bytes.count
    }

    func write(_ text: String, to relative: String) throws { try write(Array(text.utf8), to: relative) }

    /// Creates the folder `relative` (a path inside the export) and its parents.
    func createFolder(_ relative: String) throws { try FileSystem.createDirectories(staging + "/" + relative) }

    /// Puts the export in place: marks it, replaces an earlier export (checked by `init`), renames.
    func commit() throws {
        try write("written by depthfarm export; `depthfarm export --force` may replace this folder\n", to: Self.marker)
        var old: String?
        if FileSystem.exists(path) {
            old = "\(path).old-\(getpid())"
            guard rename(path, old!) == 0 else { throw SystemError("replace", path: path, errno: errno) }
        }
        guard rename(staging, path) == 0 else {
            let number = errno
            if let old { rename(old, path) }
            throw SystemError("write", path: path, errno: number)
        }
        if let old { try FileSystem.remove(old) }
        FileSystem.syncDirectory(FileSystem.directory(of: path))
    }

    /// Removes what was written (the export failed).
    func abandon() { try? FileSystem.remove(staging) }
}
