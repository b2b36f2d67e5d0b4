import Foundation
import Testing
@testable import TrainingCore

@Suite struct TaskTests {
    @Test("echo: the target is the input echo steps earlier, 0 at the stream's start, across windows")
    func echoTargets() throws {
        let config = try TrialConfig.with(["seq_len": "12", "bptt_t": "4", "batch": "3", "echo": "5"]).resolved
        let task = EchoTask(config)
        task.prepareTraining(epoch: 1)
        let w = WindowBuffers<Float>(shape: NetworkShape(inputs: 1, hidden: 2, layers: 1, outputs: 1, nonlinearity: .tanh),
                                     batch: 3, steps: 4)
        var inputs: [[Float]] = [[], [], []], targets: [[Float]] = [[], [], []]  // per stream
        for window in 0..<3 {
            let t = task.fillTrainingWindow(w, batch: 0, window: window)
            #expect(t.lossSteps == 1...4 && t.scoredSteps == 1...4)
            for step in 0..<4 {
                for b in 0..<3 {
                    inputs[b].append(w.input[step * w.lanes + b])
                    targets[b].append(w.targets[step * w.lanes + b])
                }
            }
        }
        for b in 0..<3 {
            #expect(Array(targets[b][0..<5]) == [0, 0, 0, 0, 0])
            #expect(Array(targets[b][5...]) == Array(inputs[b][0..<7]))
            #expect(inputs[b].allSatisfy { $0 == 0 || $0 == 1 })
        }
        // Fair bits: about half ones over a long stream.
        let long = EchoTask(try TrialConfig.with(["seq_len": "20000", "batch": "5"]).resolved)
        long.prepareTraining(epoch: 1)
        let ones = long.trainingBits.reduce(0) { $0 + Int($1) }
        #expect(abs(Double(ones) / 100_000 - 0.5) < 0.01)
    }

    @Test("binary accuracy counts exactly the real lanes whose logit's sign matches the target, never the padding")
    func binaryAccuracyCount() {
        let batch = 13, steps = 5, outputs = 2  // 13 lanes of 16: padding in every step
        let w = WindowBuffers<Float>(shape: NetworkShape(inputs: 1, hidden: 2, layers: 1, outputs: outputs, nonlinearity: .tanh),
                                     batch: batch, steps: steps)
        var random = RandomStream(seed: 3, purpose: .initialization)
        for i in 0..<w.logits.count { w.logits[i] = 0; w.targets[i] = 0 }  // padding: a "match" if it were counted
        var expected = 0
        for i in 0..<outputs {
            for step in 1...steps {
                for j in 0..<batch {
                    let r = i * w.columns + (step - 1) * w.lanes + j
                    let z = Float(random.nextUniform(-1, 1)), y: Float = random.nextUniform(0, 1) < 0.5 ? 0 : 1
                    w.logits[r] = j == 4 ? 0 : (j == 7 ? .nan : z)  // exactly 0 and NaN predict "0"
                    w.targets[r] = y
                    if step >= 2 && (w.logits[r] > 0) == (y > 0.5) { expected += 1 }
                }
            }
        }
        let score = Loss.evaluate(w, kind: .binaryCrossEntropy, targets: WindowTargets(lossSteps: nil, scoredSteps: 2...steps),
                                  gradients: false)
        #expect(score.scored == 4 * batch * outputs)
        #expect(score.correct == expected && expected > 0 && expected < score.scored)
    }

    @Test("echo with loss_at: last scores every step but has a loss term at the last only")
    func echoLossAtLast() throws {
        let config = try TrialConfig.with(["seq_len": "8", "bptt_t": "4", "batch": "2", "loss_at": "last"]).resolved
        let w = WindowBuffers<Float>(shape: NetworkShape(inputs: 1, hidden: 2, layers: 1, outputs: 1, nonlinearity: .tanh),
                                     batch: 2, steps: 4)
        let targets = EchoTask(config).fillTrainingWindow(w, batch: 0, window: 1)
        #expect(targets.lossSteps == 4...4 && targets.scoredSteps == 1...4)
    }

    @Test("fresh data changes every epoch; fixed data is epoch 1's every epoch; the test set never changes")
    func dataModes() throws {
        let fresh = EchoTask(try TrialConfig.with(["seq_len": "100"]).resolved)
        let fixed = EchoTask(try TrialConfig.with(["seq_len": "100", "data": "fixed"]).resolved)
        fresh.prepareTraining(epoch: 1)
        let first = fresh.trainingBits
        fresh.prepareTraining(epoch: 2)
        #expect(fresh.trainingBits != first)
        fixed.prepareTraining(epoch: 1)
        #expect(fixed.trainingBits == first)
        fixed.prepareTraining(epoch: 2)
        #expect(fixed.trainingBits == first)
        #expect(fresh.testBits == fixed.testBits && fresh.testBits != first)
    }

    @Test("remember-first: one-hot inputs, the first symbol as the label, loss only in the last window")
    func rememberFirst() throws {
        let config = try TrialConfig.with(["task": "remember-first", "seq_len": "6", "bptt_t": "3", "batch": "4",
                                           "train_size": "8", "test_size": "5", "classes": "5"]).resolved
        let task = RememberFirstTask(config)
        #expect(task.trainingBatches == 2 && task.windowsPerSequence == 2 && task.testBatch == 5)
        task.prepareTraining(epoch: 1)
        let shape = NetworkShape(inputs: 5, hidden: 2, layers: 1, outputs: 5, nonlinearity: .tanh)
        let w = WindowBuffers<Double>(shape: shape, batch: 4, steps: 3)
        let first = task.fillTrainingWindow(w, batch: 1, window: 0)
        #expect(first.lossSteps == nil && first.scoredSteps == nil)
        var firstSymbols: [Int] = []
        let n = w.columns  // 3 steps of 8 lanes
        for b in 0..<4 {
            let hot = (0..<5).filter { w.input[$0 * n + b] == 1 }
            #expect(hot.count == 1 && (0..<5).map { w.input[$0 * n + b] }.reduce(0, +) == 1)
            firstSymbols.append(hot[0])
        }
        #expect((0..<5).allSatisfy { symbol in (4..<8).allSatisfy { w.input[symbol * n + $0] == 0 } })  // padding lanes
        let last = task.fillTrainingWindow(w, batch: 1, window: 1)
        #expect(last.lossSteps == 3...3 && last.scoredSteps == 3...3)
        #expect((0..<4).map { Int(w.targets[2 * w.lanes + $0]) } == firstSymbols)
        #expect(firstSymbols == (4..<8).map { Int(task.trainingSymbols[$0 * 6]) })
    }

    /// Every window of sequence `j` of a training batch, step by step: the hot input class (nil
    /// unless exactly one input is 1 and the rest 0), the target class, and the windows' loss and
    /// scored steps as positions of the sequence (0-based).
    static func copySequence(_ task: CopyTask, batch: Int, lane j: Int) -> (inputs: [Int?], targets: [Int], loss: Set<Int>, scored: Set<Int>) {
        let shape = NetworkShape(inputs: 10, hidden: 2, layers: 1, outputs: 9, nonlinearity: .tanh)
        let w = WindowBuffers<Double>(shape: shape, batch: task.batch, steps: task.steps)
        var inputs: [Int?] = [], targets: [Int] = [], loss = Set<Int>(), scored = Set<Int>()
        for window in 0..<task.windowsPerSequence {
            let t = task.fillTrainingWindow(w, batch: batch, window: window)
            for step in 0..<task.steps {
                let column = step * w.lanes + j
                let hot = (0..<10).filter { w.input[$0 * w.columns + column] == 1 }
                let sum = (0..<10).map { w.input[$0 * w.columns + column] }.reduce(0, +)
                inputs.append(hot.count == 1 && sum == 1 ? hot[0] : nil)
                targets.append(Int(w.targets[column]))
            }
            if let steps = t.lossSteps { for step in steps { loss.insert(window * task.steps + step - 1) } }
            if let steps = t.scoredSteps { for step in steps { scored.insert(window * task.steps + step - 1) } }
        }
        return (inputs, targets, loss, scored)
    }

    @Test("copy: 10 symbols from 1 … 8, delay − 1 blanks, the delimiter 9, 10 blanks; the targets blank until the symbols come back",
          arguments: [(1, 21), (7, 9), (30, 10)])
    func copyData(delay: Int, window: Int) throws {
        let length = delay + 20
        let config = try TrialConfig.with(["task": "copy", "delay": "\(delay)", "bptt_t": "\(window)", "batch": "3",
                                           "train_size": "6", "test_size": "4"]).resolved
        #expect(config.sequenceLength == length)
        let task = CopyTask(config)
        task.prepareTraining(epoch: 1)
        #expect(task.inputs == 10 && task.outputs == 9 && task.windowsPerSequence == length / window && task.trainingBatches == 2)
        for j in 0..<3 {
            let (inputs, targets, loss, scored) = Self.copySequence(task, batch: 1, lane: j)
            let symbols = Array(task.trainingSymbols[((3 + j) * 10)..<((4 + j) * 10)]).map(Int.init)
            #expect(inputs.count == length && inputs.allSatisfy { $0 != nil })
            #expect(Array(inputs[0..<10]) == symbols.map { Optional($0) } && symbols.allSatisfy { (1...8).contains($0) })
            #expect(Array(inputs[10..<(delay + 9)]) == [Int?](repeating: 0, count: delay - 1))
            #expect(inputs[delay + 9] == 9)
            #expect(Array(inputs[(delay + 10)...]) == [Int?](repeating: 0, count: 10))
            #expect(Array(targets[0..<(delay + 10)]) == [Int](repeating: 0, count: delay + 10))
            #expect(Array(targets[(delay + 10)...]) == symbols)
            // A loss term at every step; accuracy over the 10 output steps only.
            #expect(loss == Set(0..<length) && scored == Set((delay + 10)..<length))
        }
        // Uniform symbols: each of 1 … 8 about an eighth of a large set; the test set is its own.
        let large = CopyTask(try TrialConfig.with(["task": "copy", "train_size": "8000", "batch": "8"]).resolved)
        large.prepareTraining(epoch: 1)
        for symbol in 1...8 {
            let share = Double(large.trainingSymbols.filter { $0 == symbol }.count) / 80_000
            #expect(abs(share - 0.125) < 0.005, "symbol \(symbol): \(share)")
        }
        #expect(large.testSymbols != Array(large.trainingSymbols[0..<large.testSymbols.count]))
    }

    @Test("copy: the memoryless baseline is 10·log 8 / (delay + 20)")
    func copyBaseline() {
        #expect(abs(CopyTask.baseline(delay: 100) - 10 * Foundation.log(8) / 120) < 1e-15)
        #expect(abs(CopyTask.baseline(delay: 1) - 10 * Foundation.log(8) / 21) < 1e-15)
    }

    @Test("adding: uniform values, exactly two markers, one in each half; the target, at the last step only, is their sum",
          arguments: [(50, 50), (50, 10), (11, 11)])
    func addingData(length: Int, window: Int) throws {
        let config = try TrialConfig.with(["task": "adding", "seq_len": "\(length)", "bptt_t": "\(window)", "batch": "4",
                                           "train_size": "8", "test_size": "4"]).resolved
        let task = AddingTask(config)
        task.prepareTraining(epoch: 1)
        #expect(task.inputs == 2 && task.outputs == 1 && task.loss == .meanSquaredError)
        let shape = NetworkShape(inputs: 2, hidden: 2, layers: 1, outputs: 1, nonlinearity: .tanh)
        let w = WindowBuffers<Double>(shape: shape, batch: 4, steps: window)
        let half = length / 2
        for j in 0..<4 {
            var values: [Double] = [], markers: [Double] = []
            var target: Double?
            for index in 0..<task.windowsPerSequence {
                let t = task.fillTrainingWindow(w, batch: 1, window: index)
                #expect(t.scoredSteps == nil)
                #expect(t.lossSteps == (index == task.windowsPerSequence - 1 ? window...window : nil))
                for step in 0..<window {
                    values.append(w.input[step * w.lanes + j])
                    markers.append(w.input[w.columns + step * w.lanes + j])
                }
                if t.lossSteps != nil { target = w.targets[(window - 1) * w.lanes + j] }
            }
            #expect(values.allSatisfy { $0 >= 0 && $0 < 1 } && markers.allSatisfy { $0 == 0 || $0 == 1 })
            let marked = markers.indices.filter { markers[$0] == 1 }
            #expect(marked.count == 2)
            #expect(marked[0] < half && marked[1] >= half && marked[1] < 2 * half)
            #expect(target == values[marked[0]] + values[marked[1]])
            #expect(Array(task.training.values[((4 + j) * length)..<((5 + j) * length)]) == values)
        }
        // Uniform values (mean ½) and marker positions (each half's steps alike).
        let large = AddingTask(try TrialConfig.with(["task": "adding", "seq_len": "20", "train_size": "20000", "batch": "8"]).resolved)
        large.prepareTraining(epoch: 1)
        let mean = large.training.values.reduce(0, +) / Double(large.training.values.count)
        #expect(abs(mean - 0.5) < 0.005)
        for position in 0..<20 {
            let share = Double(large.training.markers.filter { $0 == position }.count) / 20_000
            #expect(abs(share - 0.1) < 0.01, "position \(position): \(share)")
        }
        let targets = large.training.targets
        let variance = targets.map { ($0 - 1) * ($0 - 1) }.reduce(0, +) / Double(targets.count)
        #expect(abs(variance - AddingTask.baseline) < 0.01)
    }

    /// A network that knows when to answer but holds nothing about the symbols: unit A fires on
    /// the delimiter, unit B latches one step later (a step-1 input symbol, any symbol, holds it
    /// off; every symbol has the same input weight, so the state is the same whatever the
    /// symbols were). The read-out says blank (logit 20 ahead) while B is off, and gives the 8
    /// symbols equal logits once it is on. Its cross-entropy is at least 10·log 8/(delay + 20)
    /// on any data — at an output step log(8 + e^{z_blank − z_symbol}) ≥ log 8, elsewhere > 0 —
    /// and exceeds it by about 8·e^{−20} per step.
    static func memorylessCopyNetwork(_ layout: ParameterLayout) -> [Double] {
        var p = [Double](repeating: 0, count: layout.count)
        func set(_ name: String, _ row: Int, _ column: Int, _ value: Double) {
            let t = layout.tensor(named: name)!
            p[t.offset + row * t.columns + column] = value
        }
        set("weight_ih_l0", 0, 9, 20)  // A: a_t = tanh(20·[delimiter] − 10)
        set("bias_ih_l0", 0, 0, -10)
        for symbol in 1...8 { set("weight_ih_l0", 1, symbol, -60) }  // B: off while symbols come in
        set("weight_hh_l0", 1, 0, 20)  // B: b_t = tanh(20·a_{t−1} + 20·b_{t−1} + 10 − 60·[symbol])
        set("weight_hh_l0", 1, 1, 20)
        set("bias_ih_l0", 1, 0, 10)
        set("out.weight", 0, 1, -20)  // z_blank = −20·b; the symbols' logits 0
        return p
    }

    @Test("copy: a network that cannot remember the symbols reaches the baseline within 2%, and not below it",
          arguments: [(1, 21), (10, 10), (50, 35)])
    func copyMemorylessBaseline(delay: Int, window: Int) throws {
        let config = try TrialConfig.with(["task": "copy", "delay": "\(delay)", "bptt_t": "\(window)", "hidden": "2",
                                           "precision": "f64", "test_size": "1000", "batch": "64"]).resolved
        let trainer = Trainer<Double, CopyTask>(config: config, task: CopyTask(config))
        let weights = Self.memorylessCopyNetwork(trainer.network.layout)
        trainer.network.parameters.base.update(from: weights, count: weights.count)
        let (loss, accuracy) = trainer.evaluate()
        let baseline = CopyTask.baseline(delay: delay)
        #expect(loss >= baseline && loss <= 1.02 * baseline, "\(loss) against \(baseline)")
        // Chance: the first of eight equal logits, symbol 1, is right an eighth of the time.
        #expect(abs(accuracy - 0.125) < 0.02)
    }

    @Test("adding: a network that cannot remember (always 1) reaches the baseline 1/6 within 2%, and no constant does better on the test set")
    func addingMemorylessBaseline() throws {
        let config = try TrialConfig.with(["task": "adding", "seq_len": "51", "bptt_t": "51", "hidden": "4", "precision": "f64",
                                           "test_size": "20000"]).resolved
        let trainer = Trainer<Double, AddingTask>(config: config, task: AddingTask(config))
        let layout = trainer.network.layout
        // Read-out weight 0, bias 1: whatever the state holds, the answer is 1.
        let readout = layout.tensor(named: "out.weight")!
        (trainer.network.parameters.base + readout.offset).update(repeating: 0, count: readout.count)
        trainer.network.parameters[layout.tensor(named: "out.bias")!.offset] = 1
        let (loss, _) = trainer.evaluate()
        let targets = trainer.task.test.targets
        let independent = targets.map { ($0 - 1) * ($0 - 1) }.reduce(0, +) / Double(targets.count)
        #expect(abs(loss - independent) <= 1e-12)
        #expect(abs(loss - AddingTask.baseline) <= 0.02 * AddingTask.baseline, "\(loss)")
        // The best any constant — any memoryless answer, with the last step never marked for odd
        // T — can do on this test set is its variance; always-1 is not below it.
        let mean = targets.reduce(0, +) / Double(targets.count)
        let variance = targets.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(targets.count)
        #expect(loss >= variance && abs(variance - AddingTask.baseline) <= 0.02 * AddingTask.baseline)
    }
}
