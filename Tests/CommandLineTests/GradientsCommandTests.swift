import Foundation
import Testing
import TestSupport
import TrainingCore
import TrialFarm

@Suite struct GradientsCommandTests {
    /// A valid input: H = 2, I = 1, O = 1, B = 2, T = 3.
    static var input: [String: Any] { [
        "nonlinearity": "tanh", "loss": "bce",
        "weight_ih_l0": [[0.5], [-0.3]], "weight_hh_l0": [[0.1, -0.4], [0.7, 0.2]],
        "bias_ih_l0": [0.05, -0.1], "bias_hh_l0": [0.0, 0.02],
        "out.weight": [[0.9, -0.6]], "out.bias": [0.1],
        "h0": [[0.2, -0.1], [0.0, 0.3]],
        "x": [[[1.0], [0.0], [1.0]], [[0.0], [1.0], [1.0]]],
        "y": [[[0.0], [1.0], [0.0]], [[1.0], [1.0], [0.0]]],
    ] }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test("prints the loss, the BPTT gradient and every lag group with PyTorch's names and shapes")
    func gradients() throws {
        let folder = TemporaryFolder()
        let path = try folder.write("window.json", try Self.json(Self.input))
        let result = try runDepthFarm(["gradients", "--input", path])
        #expect(result.status == 0, "\(result.standardError)")
        // JSONSerialization rounds some numbers on Linux; JSONDecoder (behind JSONValue) reads them exactly.
        let output = try #require(Self.plain(try JSONValue.parse(Data(result.standardOutput.utf8), source: "output")) as? [String: Any])
        let bptt = output["bptt"] as! [String: Any], bptd = output["bptd"] as! [[String: Any]]
        #expect(bptd.count == 3)
        #expect((bptt["weight_hh_l0"] as! [[Double]]).count == 2 && (bptt["weight_ih_l0"] as! [[Double]])[0].count == 1)
        #expect((bptt["out.bias"] as! [Double]).count == 1)
        // Σ_Δ bptd[Δ] = bptt, and the read-out only at Δ = 0.
        for name in ["weight_hh_l0", "weight_ih_l0"] {
            let total = bptt[name] as! [[Double]]
            for r in total.indices {
                for c in total[r].indices {
                    let sum = bptd.reduce(0.0) { $0 + ($1[name] as! [[Double]])[r][c] }
                    #expect(abs(sum - total[r][c]) <= 1e-14)
                }
            }
        }
        #expect((bptd[1]["out.weight"] as! [[Double]]) == [[0, 0]])
        // The same numbers as the library computes, printed exactly.
        let problem = try GradientsDocument.problem(from: Data(try Self.json(Self.input).utf8), source: "input")
        let expected = problem.gradients()
        #expect(output["loss"] as! Double == expected.loss)
        #expect((bptt["bias_hh_l0"] as! [Double]) == Array(expected.bptt[8..<10]))
        // Standard input works too.
        let piped = try runDepthFarm(["gradients", "--input", "-"], input: try Self.json(Self.input))
        #expect(piped.standardOutput == result.standardOutput)
    }

    /// A JSONValue as Foundation types.
    static func plain(_ value: JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let b): b
        case .number(let n): n
        case .string(let s): s
        case .array(let items): items.map(plain)
        case .object(let fields): fields.mapValues(plain)
        }
    }

    static func without(_ key: String) -> [String: Any] {
        var copy = input
        copy.removeValue(forKey: key)
        return copy
    }

    static func with(_ key: String, _ value: Any) -> [String: Any] {
        var copy = input
        copy[key] = value
        return copy
    }

    static let malformed: [(String, String)] = [
        ("{\"nonlinearity\": ", "window.json: not valid JSON"),
        ("[1, 2]", "window.json: expected a JSON object"),
        (try! json(without("weight_hh_l0")), "window.json: missing key weight_hh_l0"),
        (try! json(with("weight_hh_10", [[1]])), "window.json: unknown key weight_hh_10"),
        (try! json(with("nonlinearity", "sigmoid")), "window.json: nonlinearity: must be \"tanh\" or \"relu\" (got \"sigmoid\")"),
        (try! json(with("loss", "mse")), "window.json: loss: must be \"bce\" (got \"mse\")"),
        (try! json(with("weight_hh_l0", [[0.1, -0.4], [0.7]])), "window.json: weight_hh_l0[1]: has 1 entries where weight_hh_l0 has 2 elsewhere"),
        (try! json(with("weight_hh_l0", [[0.1, -0.4, 0], [0.7, 0, 0]])), "window.json: weight_hh_l0: has shape 2×3, expected 2×2 (H×H with H = 2 from weight_ih_l0)"),
        (try! json(with("bias_ih_l0", [0.05, "x"])), "window.json: bias_ih_l0[1]: expected a number, got \"x\""),
        (try! json(with("bias_ih_l0", [0.05, true])), "window.json: bias_ih_l0[1]: expected a number, got a boolean"),
        (try! json(with("h0", [[0.2, -0.1]])), "window.json: x: has shape 2×3×1, expected 1×3×1"),
        (try! json(with("y", [[[0.0], [1.0], [2.0]], [[1.0], [1.0], [0.0]]])), "window.json: y: targets must be in [0, 1]"),
        (try! json(with("x", [])), "window.json: x: must not be empty"),
        (try! json(with("out.bias", 0.1)), "window.json: out.bias: expected an array of numbers, got 0.1"),
    ]

    @Test("malformed or inconsistent input gets one clear line and a non-zero exit", arguments: malformed)
    func malformedInput(_ text: String, _ message: String) throws {
        let folder = TemporaryFolder()
        let path = try folder.write("window.json", text)
        let result = try runDepthFarm(["gradients", "--input", path], directory: folder.path)
        #expect(result.status != 0)
        #expect(result.standardError.contains(message), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardOutput.isEmpty)
    }
}
