import ArgumentParser
import TrialFarm
import ZeroMQ

/// The coordinator's CURVE options: its key pair and the folder of admitted workers' keys.
struct CoordinatorCurveOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Encrypt connections with this key pair (a .secret file from keygen); needs --authorized-keys.",
                               valueName: "file"))
    var curveSecretKey: String?

    @Option(help: ArgumentHelp("Admit only workers whose .public key files are in this folder; needs --curve-secret-key.",
                               valueName: "folder"))
    var authorizedKeys: String?

    @Flag(help: "Allow listening beyond this machine without CURVE (anyone who can reach the port can join), and --dashboard beyond it without --dashboard-token.")
    var insecure = false

    func validate() throws {
        guard (curveSecretKey == nil) == (authorizedKeys == nil) else {
            throw ValidationError("--curve-secret-key and --authorized-keys go together")
        }
    }

    /// Refuses an endpoint other machines can reach without CURVE, unless --insecure; returns the
    /// warning to print when --insecure lets it through.
    func checkExposure(of bind: String) throws -> String? {
        guard curveSecretKey == nil, !Endpoint.isLocal(bind) else { return nil }
        guard insecure else {
            throw InputError("--bind \(bind)", "other machines could join without a key; use CURVE "
                             + "(--curve-secret-key and --authorized-keys, see depthfarm keygen) or add --insecure")
        }
        return "warning: --insecure: no encryption or authentication on \(bind); anyone who can reach it can join this sweep and read its trials"
    }

    /// The keys, read and checked, or nil without CURVE.
    func load() throws -> (keys: CurveKeyPair, authorized: [(key: String, name: String)])? {
        guard let curveSecretKey, let authorizedKeys else { return nil }
        return (try CurveKeyFile.readSecret(curveSecretKey), try CurveKeyFile.authorizedKeys(authorizedKeys))
    }
}

/// A worker's CURVE options: the coordinator's public key and its own key pair.
struct WorkerCurveOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The coordinator's public key (its .public file); needs --curve-secret-key.", valueName: "file"))
    var curveServerKey: String?

    @Option(help: ArgumentHelp("This worker's key pair (a .secret file from keygen); needs --curve-server-key.", valueName: "file"))
    var curveSecretKey: String?

    func validate() throws {
        guard (curveServerKey == nil) == (curveSecretKey == nil) else {
            throw ValidationError("--curve-server-key and --curve-secret-key go together")
        }
    }

    func load() throws -> (serverKey: String, keys: CurveKeyPair)? {
        guard let curveServerKey, let curveSecretKey else { return nil }
        return (try CurveKeyFile.readPublic(curveServerKey), try CurveKeyFile.readSecret(curveSecretKey))
    }

    /// The options again, for child processes.
    var arguments: [String] {
        guard let curveServerKey, let curveSecretKey else { return [] }
        return ["--curve-server-key", curveServerKey, "--curve-secret-key", curveSecretKey]
    }
}
