import Glibc
import TrialFarm

/// The secret a request to a dashboard off loopback must carry (`--dashboard-token FILE`): as
/// `Authorization: Bearer TOKEN` (Prometheus's `authorization` setting) or `?token=TOKEN` in the
/// address (a browser; the page's own requests carry it on).
public enum DashboardToken {
    /// The characters a token may use: they go in a URL as they are.
    static func isTokenCharacter(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x7E
    }

    /// The token in `path`: a regular file of at most 4096 bytes that others cannot read, holding
    /// 16 to 1024 characters of letters, digits and `-._~` (surrounding white space ignored), as
    /// `openssl rand -hex 24 > FILE` makes one.
    public static func read(_ path: String) throws -> String {
        let (bytes, status) = try FileSystem.readSmallFile(path, maximumBytes: 4096, what: "a token file")
        guard status.st_mode & 0o077 == 0 else { throw InputError(path, "the token file is readable by others (chmod 600 it)") }
        let isSpace = { (c: UInt8) in c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        let token = bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        guard (16...1024).contains(token.count), token.allSatisfy(isTokenCharacter) else {
            throw InputError(path, "a token must be 16 to 1024 characters of letters, digits and - . _ ~ (e.g. openssl rand -hex 24 > \(path))")
        }
        return String(decoding: token, as: UTF8.self)
    }

    /// Whether `given` is `token`, in time that does not depend on where they differ.
    static func matches(_ given: Substring?, _ token: String) -> Bool {
        guard let given else { return false }
        let a = Array(given.utf8), b = Array(token.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<b.count { difference |= (i < a.count ? a[i] : 0) ^ b[i] }
        return difference == 0
    }
}
