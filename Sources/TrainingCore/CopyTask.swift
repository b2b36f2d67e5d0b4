/// The copying memory problem as Arjovsky, Shah & Bengio's code generates it ("Unitary
/// Evolution Recurrent Neural Networks", ICML 2016, https://arxiv.org/abs/1511.06464;
/// `memory_problem.py`): a sequence of `delay` + 20 steps,
///
///     input:  s_1 … s_10, then delay − 1 blanks, the delimiter, then 10 blanks
///     target: delay + 10 blanks, then s_1 … s_10
///
/// with s_i drawn uniformly from the 8 symbols 1 … 8, 0 the blank and 9 the delimiter. Inputs are
/// one-hot over 10 classes, outputs 9 logits (blank and the symbols), scored by softmax
/// cross-entropy at every step. A network that does not remember the symbols but knows when to
/// say them does best by saying blank until the delimiter and then each symbol with
/// probability 1/8: cross-entropy 10·log 8 / (delay + 20) per step, the memoryless baseline.
/// Accuracy counts the 10 output steps only: the fraction of the symbols given back.
///
/// `train_size` sequences per epoch in batches of `batch` (the hidden state starts at zero for
/// each batch), `test_size` test sequences in one batch; each sequence is cut into windows of
/// `bptt_t` steps, every one with loss terms. Symbol i of sequence s is draw 10·s + i of the
/// stream (the epoch's training stream, epoch 1's with `data: fixed`, or the test stream),
/// reduced to 0 … 7 by Lemire's multiply-high, plus 1.
public final class CopyTask: SequenceTask {
    /// Symbols to remember per sequence.
    public static let symbols = 10
    /// The alphabet the symbols come from.
    public static let alphabet = 8
    /// Input classes: blank, the 8 symbols, the delimiter.
    public static let inputClasses = 10
    /// Output classes: blank and the 8 symbols.
    public static let outputClasses = 9
    static let blank = 0, delimiter = 9

    /// The sequence length for a delay: the symbols, the delay, the outputs.
    public static func length(delay: Int) -> Int { delay + 2 * symbols }

    /// The memoryless baseline, cross-entropy per step: 10·log 8 / (delay + 20).
    public static func baseline(delay: Int) -> Double {
        Double(symbols) * Double.log(Double(alphabet)) / Double(length(delay: delay))
    }

    public let inputs = CopyTask.inputClasses
    public let outputs = CopyTask.outputClasses
    public let loss = LossKind.softmaxCrossEntropy
    public let batch: Int
    public let testBatch: Int
    public let steps: Int
    public let windowsPerSequence: Int
    public let trainingBatches: Int
    public let testBatches = 1

    let delay: Int
    let data: DataMode
    let seed: UInt64
    /// The 10 symbols of each current training sequence and of each test sequence.
    var trainingSymbols: [UInt8]
    let testSymbols: [UInt8]
    private var preparedIndex: UInt64?

    public init(_ config: TrialConfig) {
        delay = config.delay
        batch = config.batchSize
        testBatch = config.testSize
        steps = config.bpttT
        windowsPerSequence = config.sequenceLength / config.bpttT
        trainingBatches = config.trainSize / config.batchSize
        data = config.data
        seed = config.seed
        trainingSymbols = [UInt8](repeating: 0, count: config.trainSize * Self.symbols)
        var testStream = RandomStream(seed: seed, purpose: .testData)
        var test = [UInt8](repeating: 0, count: config.testSize * Self.symbols)
        Self.fill(&test, from: &testStream)
        testSymbols = test
    }

    static func fill(_ symbols: inout [UInt8], from stream: inout RandomStream) {
        for i in symbols.indices { symbols[i] = UInt8(1 + stream.nextBelow(alphabet)) }  // randint(1, 9)
    }

    public func prepareTraining(epoch: Int) {
        let index = data == .fresh ? UInt64(epoch) : 1
        guard index != preparedIndex else { return }
        var stream = RandomStream(seed: seed, purpose: .trainingData, index: index)
        Self.fill(&trainingSymbols, from: &stream)
        preparedIndex = index
    }

    public func fillTrainingWindow<T: Scalar>(_ w: WindowBuffers<T>, batch: Int, window: Int) -> WindowTargets {
        fill(w, firstSequence: batch * self.batch, window: window, from: trainingSymbols)
    }

    public func fillTestWindow<T: Scalar>(_ w: WindowBuffers<T>, batch: Int, window: Int) -> WindowTargets {
        fill(w, firstSequence: batch * testBatch, window: window, from: testSymbols)
    }

    /// The input and target classes at position `t` (0-based) of a sequence with `symbols`.
    @inline(__always)
    func classes(at t: Int, _ symbols: UnsafePointer<UInt8>) -> (input: Int, target: Int) {
        let n = Self.symbols
        let input = t < n ? Int(symbols[t]) : (t == n + delay - 1 ? Self.delimiter : Self.blank)
        let target = t >= n + delay ? Int(symbols[t - n - delay]) : Self.blank
        return (input, target)
    }

    private func fill<T: Scalar>(_ w: WindowBuffers<T>, firstSequence: Int, window: Int, from symbols: [UInt8]) -> WindowTargets {
        let b = w.batch, lanes = w.lanes, n = w.columns, first = window * steps
        w.input.zero()
        symbols.withUnsafeBufferPointer { symbols in
            for j in 0..<b {
                let sequence = symbols.baseAddress! + (firstSequence + j) * Self.symbols
                for t in 0..<steps {
                    let (input, target) = classes(at: first + t, sequence)
                    w.input[input * n + t * lanes + j] = 1
                    w.targets[t * lanes + j] = T(target)
                }
            }
        }
        // The output phase, positions delay + 10 … delay + 19, in this window's steps (1-based).
        let low = max(1, Self.symbols + delay - first + 1), high = min(steps, 2 * Self.symbols + delay - first)
        return WindowTargets(lossSteps: 1...steps, scoredSteps: low <= high ? low...high : nil)
    }
}
