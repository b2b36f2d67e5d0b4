/// The adding problem as Arjovsky, Shah & Bengio's code generates it ("Unitary Evolution
/// Recurrent Neural Networks", ICML 2016, https://arxiv.org/abs/1511.06464; `adding_problem.py`,
/// after Hochreiter & Schmidhuber 1997): each of the `seq_len` = T steps has two inputs, a value
/// uniform in [0, 1) and a marker, 1 at exactly two steps — one drawn uniformly from the first
/// ⌊T/2⌋ steps, one from the next ⌊T/2⌋ — and 0 elsewhere. The target, at the last step only, is
/// the sum of the two marked values; one linear output, scored by squared error there. Always
/// answering 1, the mean of the sum, gives its variance, 2/12 ≈ 0.167: the baseline that needs no
/// memory. There is no accuracy; the mean squared error is the figure (train_loss, test_loss).
///
/// `train_size` sequences per epoch in batches of `batch` (the hidden state starts at zero for
/// each batch), `test_size` test sequences in one batch; with `bptt_t` < `seq_len` only the last
/// window, which holds the loss, updates the parameters. Sequence s takes T + 2 draws of its
/// stream in order: its T values (53-bit uniforms), then the two marker positions (Lemire's
/// multiply-high below ⌊T/2⌋, the second plus ⌊T/2⌋).
public final class AddingTask: SequenceTask {
    /// The mean squared error of always answering 1: the variance of the sum of two U(0, 1).
    public static let baseline = 1.0 / 6

    public let inputs = 2
    public let outputs = 1
    public let loss = LossKind.meanSquaredError
    public let batch: Int
    public let testBatch: Int
    public let steps: Int
    public let windowsPerSequence: Int
    public let trainingBatches: Int
    public let testBatches = 1

    let length: Int
    let data: DataMode
    let seed: UInt64
    /// The current training sequences and the test sequences, sequence-major.
    var training: Sequences
    let test: Sequences
    private var preparedIndex: UInt64?

    /// Values (sequence-major, T per sequence), the two marker positions and the target of
    /// each sequence.
    struct Sequences {
        var values: [Double]
        var markers: [Int32]
        var targets: [Double]

        init(count: Int, length: Int) {
            values = [Double](repeating: 0, count: count * length)
            markers = [Int32](repeating: 0, count: count * 2)
            targets = [Double](repeating: 0, count: count)
        }

        mutating func draw(length: Int, from stream: inout RandomStream) {
            let half = length / 2
            for s in targets.indices {
                for t in 0..<length { values[s * length + t] = stream.nextUnit() }  // np.random.uniform(0, 1)
                let first = stream.nextBelow(half), second = half + stream.nextBelow(half)  // randint(T/2), + T/2
                markers[2 * s] = Int32(first)
                markers[2 * s + 1] = Int32(second)
                targets[s] = values[s * length + first] + values[s * length + second]  // y = Σ marked values
            }
        }
    }

    public init(_ config: TrialConfig) {
        batch = config.batchSize
        testBatch = config.testSize
        steps = config.bpttT
        length = config.sequenceLength
        windowsPerSequence = length / config.bpttT
        trainingBatches = config.trainSize / config.batchSize
        data = config.data
        seed = config.seed
        training = Sequences(count: config.trainSize, length: length)
        var testStream = RandomStream(seed: seed, purpose: .testData)
        var test = Sequences(count: config.testSize, length: length)
        test.draw(length: length, from: &testStream)
        self.test = test
    }

    public func prepareTraining(epoch: Int) {
        let index = data == .fresh ? UInt64(epoch) : 1
        guard index != preparedIndex else { return }
        var stream = RandomStream(seed: seed, purpose: .trainingData, index: index)
        training.draw(length: length, from: &stream)
        preparedIndex = index
    }

    public func fillTrainingWindow<T: Scalar>(_ w: WindowBuffers<T>, batch: Int, window: Int) -> WindowTargets {
        fill(w, firstSequence: batch * self.batch, window: window, from: training)
    }

    public func fillTestWindow<T: Scalar>(_ w: WindowBuffers<T>, batch: Int, window: Int) -> WindowTargets {
        fill(w, firstSequence: batch * testBatch, window: window, from: test)
    }

    private func fill<T: Scalar>(_ w: WindowBuffers<T>, firstSequence: Int, window: Int, from data: Sequences) -> WindowTargets {
        let b = w.batch, lanes = w.lanes, n = w.columns, first = window * steps
        let value = w.input.base, marker = w.input.base + n  // channel 0: values; channel 1: markers
        for j in 0..<b {
            let s = firstSequence + j
            for t in 0..<steps {
                value[t * lanes + j] = T(data.values[s * length + first + t])
                marker[t * lanes + j] = 0
            }
            for k in 0..<2 {
                let position = Int(data.markers[2 * s + k]) - first
                if position >= 0 && position < steps { marker[position * lanes + j] = 1 }
            }
        }
        guard window == windowsPerSequence - 1 else { return WindowTargets(lossSteps: nil, scoredSteps: nil) }
        for j in 0..<b { w.targets[(steps - 1) * lanes + j] = T(data.targets[firstSequence + j]) }
        return WindowTargets(lossSteps: steps...steps, scoredSteps: nil)
    }
}
