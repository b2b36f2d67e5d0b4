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
    // The FMA rate is measured in the same run, so that every figure has its ratio to it.
    let fma = median((0..<max(repeats, 3)).map { _ in FMABenchmark.measure() })
    FileHandle.standardError.write(Data("register-resident FMA loop: \(Int(fma.rounded())) GFLOP/s\n".utf8))
    print("{")
    var lines = ["  \"fma\": {\"gflops\": \(fma)}"]
    for c in CoreBenchmark.cases where filter.map({ c.name == $0 }) ?? true {
        let runs = try (0..<repeats).map { _ in try CoreBenchmark.measure(c, scale: scale) }
        let rate = median(runs), flops = try CoreBenchmark.flops(c)
        let limit = c.precision == .f32 ? fma * 1e9 / flops : fma * 1e9 / 2 / flops
        lines.append("  \"\(c.name)\": {\"windows_per_second\": \(rate), \"runs\": [\(runs.map { String($0) }.joined(separator: ", "))], "
                     + "\"gflops\": \(rate * flops / 1e9), \"fma_limit_windows_per_second\": \(limit), \"fraction_of_fma\": \(rate / limit)}")
        FileHandle.standardError.write(Data("\(c.name): \(Int(rate)) windows/s, \(Int((100 * rate / limit).rounded())) % of the FMA limit \(Int(limit))\n".utf8))
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
