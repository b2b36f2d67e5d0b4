import Foundation
import Testing
import TestSupport

/// The test helper that runs programs: large input and output both ways without deadlock, exit
/// statuses, a working folder.
struct ProcessHelperTests {
    @Test("run feeds 4 MB to a child that echoes it as it reads, collects it all, and reports exit statuses")
    func run() throws {
        let text = String(repeating: "0123456789abcdef\n", count: 250_000)
        let echoed = try TestSupport.run("/bin/cat", [], input: text)
        #expect(echoed.status == 0 && echoed.standardOutput == text)
        let failed = try TestSupport.run("/bin/sh", ["-c", "pwd; echo oops >&2; exit 3"], directory: "/tmp")
        #expect(failed.status == 3 && failed.standardOutput == "/tmp\n" && failed.standardError == "oops\n")
        #expect(try TestSupport.run("/bin/sh", ["-c", "kill -TERM $$"]).status == 128 + SIGTERM)
    }
}
