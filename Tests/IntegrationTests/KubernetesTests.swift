import Foundation
import Testing
import TestSupport
import TrialFarm
import Yams

/// cluster/k8s/ without a Kubernetes cluster (none runs here): the manifests parse and agree with
/// each other and with the Dockerfile, and their pods' commands — init containers, coordinator,
/// workers — run for real on this machine, each volume a folder and the Service a loopback port.
@Suite struct KubernetesTests {
    static var folder: String { repositoryRoot + "/cluster/k8s" }

    /// Every document of every manifest, with the file it came from.
    static func documents() throws -> [(file: String, object: [String: Any])] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        return try files.flatMap { file in
            try Yams.load_all(yaml: String(contentsOfFile: folder + "/" + file, encoding: .utf8)).compactMap { document in
                (document as? [String: Any]).map { (file, $0) }
            }
        }
    }

    /// The objects of one kind, by name.
    static func objects(_ kind: String, in documents: [(file: String, object: [String: Any])]) -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: documents.map(\.object).filter { $0["kind"] as? String == kind }.map {
            (($0["metadata"] as? [String: Any])?["name"] as? String ?? "", $0)
        })
    }

    /// A value at a path of keys (and array indices) in a parsed document.
    static func value(_ object: Any?, _ path: Any...) -> Any? {
        path.reduce(object) { current, key in
            if let key = key as? String { return (current as? [String: Any])?[key] }
            if let index = key as? Int, let array = current as? [Any], array.indices.contains(index) { return array[index] }
            return nil
        }
    }

    static func podSpec(_ deployment: [String: Any]) -> [String: Any] { value(deployment, "spec", "template", "spec") as? [String: Any] ?? [:] }
    static func containers(_ pod: [String: Any]) -> [[String: Any]] {
        ((pod["initContainers"] as? [[String: Any]]) ?? []) + ((pod["containers"] as? [[String: Any]]) ?? [])
    }

    @Test("the manifests parse and agree: labels and selectors, Service and ports, volumes, one image, the Dockerfile's user, the sweep")
    func consistent() throws {
        let documents = try Self.documents()
        #expect(Set(documents.map(\.file)) == ["coordinator.yaml", "sweep.yaml", "workers.yaml"])
        for (file, object) in documents {
            #expect(object["apiVersion"] is String && object["kind"] is String && Self.value(object, "metadata", "name") is String, "\(file)")
        }
        let deployments = Self.objects("Deployment", in: documents), services = Self.objects("Service", in: documents)
        let configMaps = Self.objects("ConfigMap", in: documents), claims = Self.objects("PersistentVolumeClaim", in: documents)
        let coordinator = try #require(deployments["depthfarm-coordinator"]), workers = try #require(deployments["depthfarm-workers"])
        let service = try #require(services["depthfarm-coordinator"])
        let dockerfile = try String(contentsOfFile: Self.folder + "/Dockerfile", encoding: .utf8)
        let image = try #require(dockerfile.firstMatch(of: #/docker build -f cluster/k8s/Dockerfile -t (\S+) \./#)).1
        let user = try #require(dockerfile.firstMatch(of: #/useradd .*--uid (\d+)/#)).1

        let podLabels = { (deployment: [String: Any]) in Self.value(deployment, "spec", "template", "metadata", "labels") as? [String: String] ?? [:] }
        for deployment in [coordinator, workers] {
            let selector = try #require(Self.value(deployment, "spec", "selector", "matchLabels") as? [String: String])
            #expect(selector.allSatisfy { podLabels(deployment)[$0.key] == $0.value })
            let pod = Self.podSpec(deployment)
            #expect(Self.value(pod, "securityContext", "runAsUser") as? Int == Int(user))
            // The restricted Pod Security Standard.
            #expect(Self.value(pod, "securityContext", "runAsNonRoot") as? Bool == true)
            #expect(Self.value(pod, "securityContext", "seccompProfile", "type") as? String == "RuntimeDefault")
            for container in Self.containers(pod) {
                #expect(Self.value(container, "securityContext", "allowPrivilegeEscalation") as? Bool == false)
                #expect(Self.value(container, "securityContext", "capabilities", "drop") as? [String] == ["ALL"])
            }
            let volumes = Dictionary(uniqueKeysWithValues: (pod["volumes"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) })
            for container in Self.containers(pod) {
                #expect(container["image"] as? String == String(image))
                for mount in container["volumeMounts"] as? [[String: Any]] ?? [] {
                    #expect(volumes[mount["name"] as? String ?? ""] != nil, "\(container["name"] ?? "") mounts an undefined volume")
                }
            }
            for volume in volumes.values {
                if let name = Self.value(volume, "configMap", "name") as? String { #expect(configMaps[name] != nil) }
                if let name = Self.value(volume, "persistentVolumeClaim", "claimName") as? String { #expect(claims[name] != nil) }
                if let name = Self.value(volume, "secret", "secretName") as? String {
                    // The README's command creates the Secret.
                    let readme = try String(contentsOfFile: Self.folder + "/README.md", encoding: .utf8)
                    #expect(readme.contains("kubectl create secret generic \(name) "))
                }
            }
        }
        // The Service selects the coordinator's pods only, on a port its container names.
        let selector = try #require(Self.value(service, "spec", "selector") as? [String: String])
        #expect(selector.allSatisfy { podLabels(coordinator)[$0.key] == $0.value })
        #expect(!selector.allSatisfy { podLabels(workers)[$0.key] == $0.value })
        let port = try #require(Self.value(service, "spec", "ports", 0) as? [String: Any])
        let containerPorts = Self.value(Self.podSpec(coordinator), "containers", 0, "ports") as? [[String: Any]] ?? []
        #expect(containerPorts.contains { $0["name"] as? String == port["targetPort"] as? String })
        // The workers connect to that Service and port.
        let arguments = try #require(Self.value(Self.podSpec(workers), "containers", 0, "args") as? [String])
        let connect = try #require(arguments.firstIndex(of: "--connect").map { arguments[$0 + 1] })
        #expect(connect == "tcp://depthfarm-coordinator:\(port["port"] as? Int ?? 0)")
        // The ConfigMap's sweep is the seed experiment.
        let sweep = try #require(Self.value(configMaps["depthfarm-sweep"], "data", "sweep.yaml") as? String)
        let scratch = TemporaryFolder()
        let loaded = try SweepPlan(Sweep.load(path: try scratch.write("sweep.yaml", sweep)))
        #expect(loaded.sweepID == (try SweepPlan(Sweep.load(path: repositoryRoot + "/sweeps/seed-experiment.yaml"))).sweepID)
    }

    /// A pod of `deployment` on this machine: each volume a folder under `root`, the paths and the
    /// Service in every command rewritten to match. `replace` holds the rewrites.
    struct LocalPod {
        var replace: [(String, String)] = []
        var directory: String?

        init(_ deployment: [String: Any], root: TemporaryFolder, shared: [String: String], configMaps: [String: [String: Any]]) throws {
            let pod = KubernetesTests.podSpec(deployment)
            let volumes = Dictionary(uniqueKeysWithValues: (pod["volumes"] as? [[String: Any]] ?? []).map { ($0["name"] as! String, $0) })
            let name = KubernetesTests.value(deployment, "metadata", "name") as! String
            for container in KubernetesTests.containers(pod) {
                for mount in container["volumeMounts"] as? [[String: Any]] ?? [] {
                    let volume = mount["name"] as! String, path = mount["mountPath"] as! String
                    guard !replace.contains(where: { $0.0 == path }) else { continue }
                    // Claims and Secrets outlive the pod (shared); emptyDirs and ConfigMaps are its own.
                    let local = shared[volume] ?? root.file("\(name)-\(volume)")
                    try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
                    if let map = KubernetesTests.value(volumes[volume], "configMap", "name") as? String,
                       let data = KubernetesTests.value(configMaps[map], "data") as? [String: String] {
                        for (file, text) in data { try text.write(toFile: local + "/" + file, atomically: true, encoding: .utf8) }
                    }
                    replace.append((path, local))
                }
            }
            // Longest paths first, so that a mount inside another is rewritten as a whole.
            replace.sort { $0.0.count > $1.0.count }
        }

        func localize(_ text: String, port: Int) -> String {
            var text = text
            for (path, local) in replace { text = text.replacingOccurrences(of: path, with: local) }
            return text.replacingOccurrences(of: "/usr/local/bin/depthfarm", with: depthfarmBinary())
                .replacingOccurrences(of: "depthfarm-coordinator:5555", with: "127.0.0.1:\(port)")
                .replacingOccurrences(of: "0.0.0.0:5555", with: "127.0.0.1:\(port)")
        }

        /// A container's command line as the kubelet runs it: command (or the image's entry point)
        /// and args, with $(VAR) from its env, rewritten for this machine.
        func commandLine(_ container: [String: Any], port: Int) -> [String] {
            var line = (container["command"] as? [String]) ?? ["/usr/local/bin/depthfarm"]
            line += container["args"] as? [String] ?? []
            for variable in container["env"] as? [[String: Any]] ?? [] {
                // Only resourceFieldRef is used: a resource of the container, in whole units.
                let resource = (KubernetesTests.value(variable, "valueFrom", "resourceFieldRef", "resource") as? String ?? "")
                    .split(separator: ".").map(String.init)
                let amount = KubernetesTests.value(container, "resources", resource.first ?? "", resource.last ?? "")
                let text = (amount as? String) ?? (amount as? Int).map(String.init) ?? ""
                line = line.map { $0.replacingOccurrences(of: "$(\(variable["name"] as! String))", with: text) }
            }
            return line.map { localize($0, port: port) }
        }
    }

    @Test("the pods' commands run: init containers lay out the keys, the coordinator runs the ConfigMap's sweep with a worker pod, then idles")
    func podsRun() throws {
        let documents = try Self.documents()
        let deployments = Self.objects("Deployment", in: documents), configMaps = Self.objects("ConfigMap", in: documents)
        let root = TemporaryFolder()
        // The Secret, as `kubectl create secret generic depthfarm-keys --from-file=keys/` makes it
        // from keygen's files, mounted with the manifests' mode 0444.
        let secret = root.file("secret"), keys = root.file("keys")
        for name in ["coordinator", "worker"] { #expect(try runDepthFarm(["keygen", name, "--out", keys]).status == 0) }
        try FileManager.default.createDirectory(atPath: secret, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: keys) {
            try FileManager.default.copyItem(atPath: keys + "/" + file, toPath: secret + "/" + file)
            chmod(secret + "/" + file, 0o444)
        }
        let shared = ["secret": secret, "results": root.file("results")]
        let port = freePort()
        var running: [BackgroundProcess] = []
        for name in ["depthfarm-coordinator", "depthfarm-workers"] {
            let deployment = try #require(deployments[name])
            let pod = try LocalPod(deployment, root: root, shared: shared, configMaps: configMaps)
            let spec = Self.podSpec(deployment)
            for container in spec["initContainers"] as? [[String: Any]] ?? [] {
                let line = pod.commandLine(container, port: port)
                let result = try run(line[0], Array(line.dropFirst()))
                #expect(result.status == 0, "\(name) init container: \(result.standardError)")
            }
            let container = try #require((spec["containers"] as? [[String: Any]])?.first)
            var line = pod.commandLine(container, port: port)
            if let directory = container["workingDir"] as? String { line = ["/usr/bin/env", "-C", pod.localize(directory, port: port)] + line }
            running.append(try BackgroundProcess(Array(line.dropFirst()), program: line[0], folder: root, name: name,
                                                 environment: ["PATH": FileSystem.directory(of: depthfarmBinary()) + ":/usr/bin:/bin"]))
        }
        let (coordinator, workers) = (running[0], running[1])
        #expect(waitUntil(timeout: 180) { coordinator.standardOutput.contains("the sweep is over (status 0)") },
                "\(coordinator.standardError)\n\(workers.standardError)")
        #expect(coordinator.standardError.contains("(CURVE, 1 authorized worker key)"))
        let trials = try Fixtures.trials(shared["results"]! + "/results/seed-experiment")
        #expect(trials.count == 48 && trials.allSatisfy { $0["status"] == "completed" })
        // Done, the coordinator idles (so that results can be copied out) and the workers wait
        // for the next sweep; both end on the SIGTERM of a pod's deletion.
        #expect(coordinator.isRunning && workers.isRunning)
        coordinator.signal(SIGTERM)
        workers.signal(SIGTERM)
        #expect(coordinator.wait(timeout: 10) == 0)
        #expect(workers.wait(timeout: 10) == 0)
    }
}
