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
}
