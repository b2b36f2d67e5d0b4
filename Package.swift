// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The training core's kernels use 256-bit vectors and fused multiply-adds, so on x86-64 it is
// compiled for Haswell-class CPUs (AVX2, FMA; 2013 and later, every AMD Zen). On an older CPU set
// DEPTHFARM_TARGET_CPU=x86-64 when building: the results are the same bits, only slower (the
// fused multiply-adds are then done in software). Other architectures use their defaults.
let targetCPU = ProcessInfo.processInfo.environment["DEPTHFARM_TARGET_CPU"] ?? "haswell"
#if arch(x86_64)
let coreSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU])]
#else
let coreSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "DepthFarm",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "depthfarm", targets: ["depthfarm"]),
        .library(name: "TrainingCore", targets: ["TrainingCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // TensorBoard's event files are protocol buffers (Sources/Export/Protos, generated once).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Hummingbird's own transport and service runner, named for the event loop the live page
        // runs on and to stop it gracefully.
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // The numerics: matrices, RNN, tasks, BPTT, BPTD, optimizers, metrics, trainer.
        // Knows nothing about networking, files or the command line.
        .target(name: "TrainingCore", swiftSettings: coreSettings),
        // libzmq (Debian: libzmq3-dev) and a thin Swift wrapper over it.
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        // prctl, which Swift cannot call directly.
        .target(name: "CSupport"),
        // Sweeps, trial identity, wire protocol, coordinator, worker, result store, summaries,
        // and the file formats of the command line.
        .target(
            name: "TrialFarm",
            dependencies: ["TrainingCore", "ZeroMQ", "CSupport", .product(name: "Yams", package: "Yams"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "SystemPackage", package: "swift-system")]
        ),
        // depthfarm report: the sweep's figures as one self-contained HTML file (inline SVG).
        .target(name: "SweepReport", dependencies: ["TrialFarm", "TrainingCore"]),
        // depthfarm export: a result folder as an MLflow file store or TensorBoard event files.
        // Event.pb.swift is generated from Protos/event.proto once and committed: the build does
        // not run protoc.
        .target(
            name: "Export",
            dependencies: ["TrialFarm", "TrainingCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Protos"]
        ),
        // --dashboard: the report page of a running sweep, updating itself, with /status.json and
        // Prometheus /metrics, served over HTTP (Hummingbird) on its own threads.
        .target(name: "Dashboard", dependencies: ["TrialFarm", "SweepReport",
                                                  .product(name: "Hummingbird", package: "hummingbird"),
                                                  .product(name: "Prometheus", package: "swift-prometheus"),
                                                  .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                                                  .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                  .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "depthfarm",
            dependencies: [
                "TrainingCore",
                "TrialFarm",
                "SweepReport",
                "Export",
                "Dashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Counts heap allocations per thread, to prove the training loop makes none per window.
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
        // The training-core benchmarks behind scripts/bench, built for the core's CPU so that its
        // register-resident FMA reference loop uses the same instructions as the kernels.
        .executableTarget(name: "depthfarm-bench", dependencies: ["TrainingCore"], path: "Benchmarks/DepthFarmBench",
                          swiftSettings: coreSettings),
        .testTarget(name: "TrainingCoreTests", dependencies: ["TrainingCore", "AllocationCounter"]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "TrialFarmTests", dependencies: ["TrialFarm", "TrainingCore", "ZeroMQ", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "SweepReportTests", dependencies: ["SweepReport", "TrialFarm", "TrainingCore"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "TrialFarm", "TrainingCore"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "TrialFarm", "TrainingCore"]),
        // Helpers shared by the test targets: running processes, temporary folders.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CommandLineTests", dependencies: ["depthfarm", "TrialFarm", "TrainingCore", "TestSupport"]),
        // Sweeps end to end: real coordinator and worker processes over real sockets, several
        // hosts in network namespaces (as root), faults injected; the launchers of cluster/ (Slurm,
        // ssh, Kubernetes manifests, systemd) run for real; the report in a real browser.
        .testTarget(name: "IntegrationTests", dependencies: ["depthfarm", "TrialFarm", "TrainingCore", "ZeroMQ", "TestSupport", "SweepReport", "Export", "Dashboard",
                                                             .product(name: "Yams", package: "Yams")]),
    ]
)
