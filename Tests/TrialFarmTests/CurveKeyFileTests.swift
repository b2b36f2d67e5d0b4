import Foundation
import Glibc
import Synchronization
import Testing
@testable import TrialFarm
import ZeroMQ

/// Key files are named by users and found in folders (`--authorized-keys`): whatever the path
/// names — a FIFO, a device, a huge file — is refused at once, with one line, not read.
@Suite struct CurveKeyFileTests {
    /// A fresh folder with one valid key pair from keygen's writer.
    final class Keys {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("curve-keys-\(UUID())").path
        let pair: CurveKeyPair
        init() throws {
            pair = try CurveKeyPair.generate()
            _ = try CurveKeyFile.write(pair, folder: folder, name: "node-1", force: false)
        }
        deinit { try? FileSystem.remove(folder) }
    }

    /// Runs `body` on another thread and waits at most `seconds`; nil if it did not return by then.
    /// `unblock` runs on a timeout, to release a call that blocks for good (so that the test fails
    /// rather than hangs).
    static func within<T: Sendable>(_ seconds: Double, unblock: () -> Void = {}, _ body: @escaping @Sendable () -> T) -> T? {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        Thread.detachNewThread {
            let value = body()
            result.withLock { $0 = value }
            done.signal()
        }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            unblock()
            _ = done.wait(timeout: .now() + 10)
            return nil
        }
        return result.withLock { $0 }
    }

    static func refusal(_ call: @escaping @Sendable () throws -> Any, unblock: () -> Void = {}) -> (String?, seconds: Double) {
        let clock = ContinuousClock(), start = clock.now
        let message = within(5, unblock: unblock) { () -> String? in
            do {
                _ = try call()
                return nil
            } catch {
                return String(describing: error)
            }
        }
        let (whole, fraction) = (clock.now - start).components
        return (message ?? "no answer within 5 s", Double(whole) + Double(fraction) * 1e-18)
    }

    @Test("the files keygen writes read back")
    func roundTrip() throws {
        let keys = try Keys()
        #expect(try CurveKeyFile.readSecret(keys.folder + "/node-1.secret") == keys.pair)
        #expect(try CurveKeyFile.readPublic(keys.folder + "/node-1.public") == keys.pair.publicKey)
        #expect(try CurveKeyFile.authorizedKeys(keys.folder).map(\.name) == ["node-1"])
    }

    @Test("key files with CR LF line ends (edited on Windows) read as keygen's own")
    func crlfLineEnds() throws {
        let keys = try Keys()
        for name in ["node-1.secret", "node-1.public"] {
            let path = keys.folder + "/" + name
            let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\n", with: "\r\n", options: .literal)
            try text.write(toFile: path, atomically: false, encoding: .utf8)  // in place: the secret keeps its mode
        }
        #expect(try CurveKeyFile.readSecret(keys.folder + "/node-1.secret") == keys.pair)
        #expect(try CurveKeyFile.readPublic(keys.folder + "/node-1.public") == keys.pair.publicKey)
    }

    @Test("a FIFO named x.public in --authorized-keys is refused at once (it used to hang the coordinator)")
    func fifo() throws {
        let keys = try Keys()
        let path = keys.folder + "/x.public"
        #expect(mkfifo(path, 0o644) == 0)
        let folder = keys.folder
        let (message, seconds) = Self.refusal({ try CurveKeyFile.authorizedKeys(folder) }, unblock: {
            // A reader blocked in open waits for a writer: be one, and go.
            let fd = open(path, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        })
        #expect(message == "\(path): is not a regular file (a key file is expected)")
        #expect(seconds < 1)
    }

    @Test("a key file that is a symbolic link to /dev/zero is refused at once (it used to allocate until abort)")
    func deviceZero() throws {
        let keys = try Keys()
        let path = keys.folder + "/zero.public"
        #expect(symlink("/dev/zero", path) == 0)
        let (message, seconds) = Self.refusal { try CurveKeyFile.readPublic(path) }
        #expect(message == "\(path): is not a regular file (a key file is expected)")
        #expect(seconds < 1)
        let folder = keys.folder
        #expect(Self.refusal({ try CurveKeyFile.authorizedKeys(folder) }).0 == message)
        // A secret key too: the worker's and the coordinator's --curve-secret-key.
        #expect(Self.refusal { try CurveKeyFile.readSecret(path) }.0 == message)
    }

    @Test("a 200 MB file is refused at once, before it is read (it took 17 s and 600 MB)")
    func largeFile() throws {
        let keys = try Keys()
        let path = keys.folder + "/big.public"
        // Sparse: 200 MB to stat, nothing on disk.
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        #expect(fd >= 0 && ftruncate(fd, 200 << 20) == 0)
        close(fd)
        let (message, seconds) = Self.refusal { try CurveKeyFile.readPublic(path) }
        #expect(message == "\(path): is too large for a key file (more than 4096 bytes)")
        #expect(seconds < 1)
        // One byte over the limit is over; a key file of exactly the limit is read.
        let text = "public-key = \(keys.pair.publicKey)\n"
        let exact = text + "#" + String(repeating: "x", count: CurveKeyFile.maximumBytes - text.utf8.count - 2) + "\n"
        try exact.write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try CurveKeyFile.readPublic(path) == keys.pair.publicKey)
        try (exact + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: InputError(path, "is too large for a key file (more than 4096 bytes)")) { try CurveKeyFile.readPublic(path) }
    }

    @Test("a folder named x.public, and a key file that is not UTF-8, are refused with one line")
    func otherFiles() throws {
        let keys = try Keys()
        #expect(mkdir(keys.folder + "/dir.public", 0o755) == 0)
        #expect(throws: InputError(keys.folder + "/dir.public", "is not a regular file (a key file is expected)")) {
            try CurveKeyFile.authorizedKeys(keys.folder)
        }
        let path = keys.folder + "/latin1.public"
        #expect(FileManager.default.createFile(atPath: path, contents: Data([0x70, 0xE9, 0x0A])))
        #expect(throws: InputError(path + ":1", "not UTF-8 text (byte 0xE9 at offset 1); save the file as UTF-8")) {
            try CurveKeyFile.readPublic(path)
        }
    }
}
