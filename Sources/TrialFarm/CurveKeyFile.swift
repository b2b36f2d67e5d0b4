import Foundation
import Glibc
import ZeroMQ

/// CURVE keys on disk, as `depthfarm keygen` writes them:
///
///     NAME.public   (mode 644)  public-key = <40 characters of Z85>
///     NAME.secret   (mode 600)  public-key = …  and  secret-key = …
///
/// Lines starting with `#` are comments. A coordinator's `--authorized-keys` folder holds the
/// `.public` files of the workers it admits; each side's `--curve-secret-key` is its `.secret`.
public enum CurveKeyFile {
    /// A key file that `write` would replace.
    public struct FileExists: Error, Equatable {
        public let path: String
    }

    /// Writes a new key pair as `NAME.public` and `NAME.secret` in `folder`; refuses to replace
    /// existing files unless `force`. Returns the two paths.
    public static func write(_ pair: CurveKeyPair, folder: String, name: String, force: Bool) throws -> (public: String, secret: String) {
        try ResultStore.prepareFolder(folder)
        let publicPath = "\(folder)/\(name).public", secretPath = "\(folder)/\(name).secret"
        for path in [publicPath, secretPath] where FileSystem.exists(path) && !force { throw FileExists(path: path) }
        try create(publicPath, mode: 0o644, "# DepthFarm CURVE public key of \(name)\npublic-key = \(pair.publicKey)\n")
        try create(secretPath, mode: 0o600,
                   "# DepthFarm CURVE secret key of \(name): keep it private\npublic-key = \(pair.publicKey)\nsecret-key = \(pair.secretKey)\n")
        return (publicPath, secretPath)
    }

    /// A key pair from a `.secret` file; refuses one that others can read, or whose keys disagree.
    public static func readSecret(_ path: String) throws -> CurveKeyPair {
        let (fields, status) = try read(path)
        guard let secret = fields["secret-key"] else { throw InputError(path, "has no secret-key line (is it a .secret file?)") }
        // The status of the file read, not of whatever the path names a moment later.
        guard status.st_mode & 0o077 == 0 else {
            throw InputError(path, "the secret key is readable by others (chmod 600 it)")
        }
        guard CurveKeyPair.isValidKey(secret) else { throw InputError(path, "secret-key is not a 40-character Z85 key") }
        let pair = try CurveKeyPair(secretKey: secret)
        if let stated = fields["public-key"], stated != pair.publicKey {
            throw InputError(path, "its public-key does not belong to its secret-key")
        }
        return pair
    }

    /// The public key in a `.public` (or `.secret`) file.
    public static func readPublic(_ path: String) throws -> String {
        guard let key = try read(path).fields["public-key"] else { throw InputError(path, "has no public-key line") }
        guard CurveKeyPair.isValidKey(key) else { throw InputError(path, "public-key is not a 40-character Z85 key") }
        return key
    }

    /// The public keys of every `.public` file in `folder`, with the file names they came from.
    public static func authorizedKeys(_ folder: String) throws -> [(key: String, name: String)] {
        guard FileSystem.isDirectory(folder) else { throw SystemError("read the folder", path: folder, errno: ENOTDIR) }
        let names = try FileSystem.names(in: folder).filter { $0.hasSuffix(".public") }
        guard !names.isEmpty else { throw InputError(folder, "holds no .public key files") }
        // The name reaches the log (a worker admitted under it): shown, never acted on.
        return try names.sorted().map { (try readPublic("\(folder)/\($0)"), PrintableText.escaped(String($0.dropLast(".public".count)))) }
    }

    /// The most a key file may hold: keygen writes under 200 bytes (a key is 40 characters).
    static let maximumBytes = 4096

    /// The `key = value` lines of a key file, and the file's status. Key files are named by
    /// users and found in folders: anything but a small regular file is refused before it is
    /// read (see `FileSystem.readSmallFile`: a FIFO, /dev/zero, a large file).
    static func read(_ path: String) throws -> (fields: [String: String], status: stat) {
        let (bytes, status) = try FileSystem.readSmallFile(path, maximumBytes: maximumBytes, what: "a key file")
        var fields: [String: String] = [:]
        // Any line end: CR LF is one Character, which splitting at "\n" would not see.
        for line in try FileSystem.utf8Text(bytes, source: path).split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, !text.hasPrefix("#"), let equals = text.firstIndex(of: "=") else { continue }
            fields[text[..<equals].trimmingCharacters(in: .whitespaces)] = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return (fields, status)
    }

    static func create(_ path: String, mode: mode_t, _ text: String) throws {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError("write", path: path, errno: errno) }
        defer { close(fd) }
        fchmod(fd, mode)  // whatever the umask
        try FileSystem.write(fd, text, path: path)
        guard fsync(fd) == 0 else { throw SystemError("write", path: path, errno: errno) }
    }
}
