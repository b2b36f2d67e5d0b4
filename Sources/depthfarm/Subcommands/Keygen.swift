import ArgumentParser
import TrialFarm
import ZeroMQ

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a CURVE key pair: NAME.public and NAME.secret (readable only by you).",
        discussion: """
            Give the coordinator its own pair (--curve-secret-key NAME.secret) and a folder of the \
            workers' .public files (--authorized-keys); give each worker its pair and the \
            coordinator's .public file (--curve-server-key). Then every connection is encrypted \
            and only listed workers may join.
            """
    )

    @Argument(help: ArgumentHelp("The key pair's name (letters, digits, '-', '_', '.').", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("The folder to write the two files to.", valueName: "folder"))
    var out = "keys"

    @Flag(help: "Replace existing key files of that name.")
    var force = false

    func validate() throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !name.hasPrefix(".") else {
            throw ValidationError("name '\(name)': use letters, digits, '-', '_' and '.' only")
        }
    }

    func run() throws {
        guard Context.has("curve") else { throw ValidationError("this libzmq was built without CURVE") }
        let (publicPath, secretPath): (String, String)
        do {
            (publicPath, secretPath) = try CurveKeyFile.write(try CurveKeyPair.generate(), folder: out, name: name, force: force)
        } catch {
            throw worded(error)
        }
        print("wrote \(publicPath) (share it) and \(secretPath) (keep it private)")
    }
}
