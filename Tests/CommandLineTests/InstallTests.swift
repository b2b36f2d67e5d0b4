import Foundation
import Testing
import TestSupport
import TrialFarm

/// `scripts/install`: depthfarm on PATH, as the README's many-host commands call it.
@Suite struct InstallTests {
    @Test("scripts/install links the binary into PREFIX/bin, running it again is harmless, a missing binary is refused")
    func install() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // The binary this test run built (swift test holds the build folder, so the script cannot build).
        let binary = URL(fileURLWithPath: depthfarmBinary()).resolvingSymlinksInPath()
        let folder = TemporaryFolder()
        for _ in 0..<2 {
            let result = try run(root.appendingPathComponent("scripts/install").path, [folder.path], environment: ["DEPTHFARM_BINARY": binary.path])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains("installed: \(folder.path)/bin/depthfarm -> \(binary.path)"))
        }
        let refused = try run(root.appendingPathComponent("scripts/install").path, [folder.path], environment: ["DEPTHFARM_BINARY": "/nonexistent"])
        #expect(refused.status != 0 && refused.standardError.contains("/nonexistent: not an executable"))
        let installed = try run(folder.path + "/bin/depthfarm", ["--version"])
        #expect(installed.status == 0 && installed.standardOutput == DepthFarmVersion.current + "\n")
    }
}
