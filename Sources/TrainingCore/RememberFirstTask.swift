/// Remember-first: sequences of `seq_len` symbols drawn uniformly from `classes`, one-hot
/// encoded; the target at the last step is the first symbol, scored by softmax cross-entropy
/// there only. `train_size` sequences per epoch in batches of `batch` (the hidden state starts
/// at zero for each batch); `test_size` test sequences in one batch. With `bptt_t` < `seq_len`
/// the sequence is cut into windows and only the last one, which holds the loss, updates the
/// parameters.
///
/// Symbol j of sequence s is draw s · seq_len + j of the stream, reduced to a class by Lemire's
/// multiply-high; training data come from the epoch's stream (epoch 1's with `data: fixed`).
public final class RememberFirstTask: SequenceTask {
    public let inputs: Int
    public let outputs: Int
    public let loss = LossKind.softmaxCrossEntropy
    public let batch: Int
    public let testBatch: Int
    public let steps: Int
    public let windowsPerSequence: Int
    public let trainingBatches: Int
    public let testBatches = 1

    let length: Int
    let classes: Int
    let data: DataMode
    let seed: UInt64
    /// Symbols of the current training sequences and of the test sequences, sequence-major.
    var trainingSymbols: [UInt16]
    let testSymbols: [UInt16]
    private var preparedIndex: UInt64?

    public init(_ config: TrialConfig) {
        classes = config.classes
        inputs = classes
        outputs = classes
        batch = config.batchSize
        testBatch = config.testSize
        steps = config.bpttT
        length = config.sequenceLength
        windowsPerSequence = config.sequenceLength / config.bpttT
        trainingBatches = config.trainSize / config.batchSize
        data = config.data
        seed = config.seed
        trainingSymbols = [UInt16](repeating: 0, count: config.trainSize * length)
        var testStream = RandomStream(seed: seed, purpose: .testData)
        var test = [UInt16](repeating: 0, count: config.testSize * length)
        Self.fill(&test, classes: classes, from: &testStream)
        testSymbols = test
    }

    static func fill(_ symbols: inout [UInt16], classes: Int, from stream: inout RandomStream) {
        for i in symbols.indices { symbols[i] = UInt16(stream.nextBelow(classes)) }
    }

    public func prepareTraining(epoch: Int) {
        let index = data == .fresh ? UInt64(epoch) : 1
        guard index != preparedIndex else { return }
        var stream = RandomStream(seed: seed, purpose: .trainingData, index: index)
        Self.fill(&trainingSymbols, classes: classes, from: &stream)
        preparedIndex = index
    }

    public func fillTrainingWindow<T: Scalar>(_ w: WindowBuffers<T>, batch: Int, window: Int) -> WindowTargets {
        fill(w, firstSequence: batch * self.batch, window: window, from: trainingSymbols)
    }

    public func fillTestWindow<T: Scalar>(_ w: WindowBuffers<T>, batch: Int, window: Int) -> WindowTargets {
        fill(w, firstSequence: batch * testBatch, window: window, from: testSymbols)
    }

    private func fill<T: Scalar>(_ w: WindowBuffers<T>, firstSequence: Int, window: Int,
                                 from symbols: [UInt16]) -> WindowTargets {
        let b = w.batch, lanes = w.lanes, n = w.columns
        w.input.zero()
        symbols.withUnsafeBufferPointer { symbols in
            for j in 0..<b {
                let sequence = (firstSequence + j) * length
                for t in 0..<steps {
                    let symbol = Int(symbols[sequence + window * steps + t])
                    w.input[symbol * n + t * lanes + j] = 1
                }
            }
            if window == windowsPerSequence - 1 {
                for j in 0..<b { w.targets[(steps - 1) * lanes + j] = T(symbols[(firstSequence + j) * length]) }
            }
        }
        let isLast = window == windowsPerSequence - 1
        return WindowTargets(lossSteps: isLast ? steps...steps : nil, scoredSteps: isLast ? steps...steps : nil)
    }
}
