import ArgumentParser
import Foundation
import TrialFarm

struct Gradients: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the loss, the BPTT gradient and every BPTD lag group for given weights and data, as JSON (Float64).",
        discussion: """
            The input is a JSON object with PyTorch's names and shapes for a single-layer network: \
            "nonlinearity" ("tanh" or "relu"), "loss" ("bce", "ce" or "mse"; optional, default \
            "bce"), "loss_at" ("every" or "last"; optional, default "every"), "weight_ih_l0" (H×I), \
            "weight_hh_l0" (H×H), "bias_ih_l0" (H), "bias_hh_l0" (H), "out.weight" (O×H), \
            "out.bias" (O), "h0" (B×H), "x" (B×T×I) and "y": for "bce" B×T×O targets in [0, 1] \
            (binary cross-entropy with logits, as echo), for "ce" B×T class indices (softmax \
            cross-entropy over the O outputs, as remember-first and copy), for "mse" B×T×O values \
            (squared error, as adding). The loss is the mean over its terms at every step, or with \
            "loss_at": "last" at the last step only (as remember-first and adding).

            The output is {"loss": …, "bptt": {NAME: array, …}, "bptd": [{NAME: array, …}, …]}, \
            one BPTD entry per lag Δ = 0 … T−1, with the input's names and shapes; the read-out's \
            gradients appear only at Δ = 0 (zeros after). Σ_Δ bptd[Δ] equals bptt.
            """
    )

    @Option(help: ArgumentHelp("The JSON input file ('-' for standard input).", valueName: "file"))
    var input: String

    @Option(help: ArgumentHelp("Write the JSON to this file instead of standard output.", valueName: "file"))
    var out: String?

    @Flag(help: "Replace the --out file if it exists.")
    var force = false

    func validate() throws {
        if let out, FileSystem.exists(out), !force {
            throw ValidationError("--out \(out): the file exists (add --force to replace it)")
        }
    }

    func run() throws {
        let data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : Data(try FileSystem.readText(input).utf8)
        let text = try GradientsDocument.gradients(for: data, source: input == "-" ? "standard input" : input)
        let output = try out.map { try BufferedFile(temporaryFor: $0) } ?? .standardOutput()
        output.write(text)
        if let out { try output.commit(to: out) } else { try output.flush() }
    }
}
