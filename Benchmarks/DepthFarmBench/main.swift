import Foundation
import TrainingCore

// The benchmark harness behind scripts/bench. `depthfarm-bench core [--repeat N] [--scale S]`
// times the training core in this process, `fma` the core's FMA rate (the reference for both); the end-to-end benchmarks are in scripts/bench.

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Double, in arguments: [String] = arguments) -> Double {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let value = Double(arguments[i + 1]) else { return fallback }
    return value
}
let repeats = Int(option("--repeat", 5))
let scale = option("--scale", 1)
let filter = arguments.firstIndex(of: "--only").map { arguments[$0 + 1] }

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

switch arguments.first {
case "core":
    print("{")
    var lines: [String] = []
    for c in CoreBenchmark.cases where filter.map({ c.name == $0 }) ?? true {
        let runs = try (0..<repeats).map { _ in try CoreBenchmark.measure(c, scale: scale) }
        var line = "  \"\(c.name)\": {\"windows_per_second\": \(median(runs)), \"runs\": [\(runs.map { String($0) }.joined(separator: ", "))]"
        if c.method == .bptt && c.precision == .f32 {
            line += ", \"gflops\": \(median(runs) * CoreBenchmark.bpttFlops(hidden: c.hidden) / 1e9)"
        }
        lines.append(line + "}")
        FileHandle.standardError.write(Data("\(c.name): \(Int(median(runs))) windows/s\n".utf8))
    }
    print(lines.joined(separator: ",\n"))
    print("}")
case "fma":
    let runs = (0..<repeats).map { _ in FMABenchmark.measure() }
    print("{\"fma_gflops\": \(median(runs)), \"runs\": [\(runs.map { String($0) }.joined(separator: ", "))]}")
    FileHandle.standardError.write(Data("register-resident FMA loop: \(Int(median(runs).rounded())) GFLOP/s\n".utf8))
case "kernels":
    for shape in KernelBenchmark.shapes {
        let runs = (0..<repeats).map { _ in KernelBenchmark.measure(shape) }
        print("\(shape.name): \(Int(median(runs).rounded())) GFLOP/s")
    }
default:
    FileHandle.standardError.write(Data("usage: depthfarm-bench core|kernels|fma [--repeat N] [--scale S] [--only NAME]\n".utf8))
    exit(2)
}
