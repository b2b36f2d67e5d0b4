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
        (try! json(with("loss", "hinge")), "window.json: loss: must be \"bce\", \"ce\" or \"mse\" (got \"hinge\")"),
        (try! json(with("loss_at", "first")), "window.json: loss_at: must be \"every\" or \"last\" (got \"first\")"),
        (try! json(Self.ce.merging(["y": [[0, 1, 2], [1, 1, 0]]]) { $1 }), "window.json: y: class indices must be integers in 0 … 1 (entry 2 is 2.0)"),
        (try! json(Self.ce.merging(["y": [[0, 1, 0.5], [1, 1, 0]]]) { $1 }), "window.json: y: class indices must be integers in 0 … 1 (entry 2 is 0.5)"),
        (try! json(Self.ce.merging(["y": [[[0], [1], [0]], [[1], [1], [0]]]]) { $1 }), "window.json: y[0][0]: expected a number, got"),
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

    /// The input with two classes (O = 2) and class-index targets, for "ce".
    static var ce: [String: Any] {
        var copy = input
        copy["loss"] = "ce"
        copy["out.weight"] = [[0.9, -0.6], [-0.2, 0.4]]
        copy["out.bias"] = [0.1, -0.05]
        copy["y"] = [[0, 1, 1], [1, 0, 1]]
        return copy
    }

    /// The losses of the tasks: copy's cross-entropy at every step, remember-first's at the last;
    /// adding's squared error at the last step, and at every step; echo's bce at the last step.
    static let losses: [(String, String)] = [("ce", "every"), ("ce", "last"), ("mse", "last"), ("mse", "every"), ("bce", "last")]

    static func document(loss: String, lossAt: String) -> [String: Any] {
        var document = loss == "ce" ? ce : input
        document["loss"] = loss
        document["loss_at"] = lossAt
        if loss == "mse" { document["y"] = [[[0.7], [-1.2], [2.0]], [[0.3], [1.5], [-0.4]]] }
        return document
    }

    @Test("the printed BPTT gradient matches central finite differences of the printed loss, for every task's loss (Float64)",
          arguments: losses)
    func finiteDifferences(_ loss: String, _ lossAt: String) throws {
        var document = Self.document(loss: loss, lossAt: lossAt)
        func run(_ document: [String: Any]) throws -> [String: Any] {
            let result = try runDepthFarm(["gradients", "--input", "-"], input: try Self.json(document))
            #expect(result.status == 0, "\(result.standardError)")
            return try #require(Self.plain(try JSONValue.parse(Data(result.standardOutput.utf8), source: "output")) as? [String: Any])
        }
        let output = try run(document)
        let bptt = output["bptt"] as! [String: Any], bptd = output["bptd"] as! [[String: Any]]
        #expect(bptd.count == 3)
        // Every entry of every tensor, perturbed by ±h and ±2h in its JSON (five-point stencil,
        // error O(h⁴)); the loss read back as printed, exactly.
        let h = 1e-3
        for name in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "out.weight", "out.bias"] {
            let original = document[name]!
            let matrix = original as? [[Double]] ?? [(original as! [Double])]
            let analytic = bptt[name] as? [[Double]] ?? [(bptt[name] as! [Double])]
            for r in matrix.indices {
                for c in matrix[r].indices {
                    func loss(_ offset: Double) throws -> Double {
                        var changed = matrix
                        changed[r][c] += offset
                        document[name] = original is [[Double]] ? changed : changed[0]
                        defer { document[name] = original }
                        return try run(document)["loss"] as! Double
                    }
                    let numeric = (8 * (try loss(h) - loss(-h)) - (try loss(2 * h) - loss(-2 * h))) / (12 * h)
                    let error = abs(numeric - analytic[r][c]) / max(abs(numeric), abs(analytic[r][c]), 1e-6)
                    #expect(error <= 1e-6, "\(loss)/\(lossAt) \(name)[\(r)][\(c)]: analytic \(analytic[r][c]), numeric \(numeric)")
                }
            }
            // Σ_Δ bptd[Δ] = bptt for this loss too.
            for r in analytic.indices {
                for c in analytic[r].indices {
                    let sum = bptd.reduce(0.0) { total, group in
                        total + ((group[name] as? [[Double]])?[r][c] ?? (group[name] as! [Double])[c])
                    }
                    #expect(abs(sum - analytic[r][c]) <= 1e-14)
                }
            }
        }
    }
}
