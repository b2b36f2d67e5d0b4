/// EchoStep: `batch` independent streams of `seq_len` fair random bits; the target at step t is
/// the input at step t − `echo` (0 for the first `echo` steps of the stream). One batch per
/// epoch: the hidden state starts at zero each epoch and is carried across the stream's windows.
///
/// Bit p of a stream set (p = position · batch + stream) is bit p mod 64 of draw ⌊p/64⌋ of its
/// random stream: the training stream of the epoch (`data: fresh`; epoch 1's for every epoch
/// with `data: fixed`) or the test stream. The test set has the training set's shape and is
/// scored at every position.
public final class EchoTask: SequenceTask {
    public let inputs = 1
    public let outputs = 1
    public let loss = LossKind.binaryCrossEntropy
    public let batch: Int
    public var testBatch: Int { batch }
    public let steps: Int
    public let windowsPerSequence: Int
    public let trainingBatches = 1
    public let testBatches = 1

    let length: Int
    let echo: Int
    let lossAt: LossPosition
    let data: DataMode
    let seed: UInt64
    /// Bits of the current training streams and of the test streams, position-major:
    /// index position · batch + stream.
    var trainingBits: [UInt8]
    let testBits: [UInt8]
    private var preparedIndex: UInt64?

    public init(_ config: TrialConfig) {
        batch = config.batchSize
        steps = config.bpttT
        length = config.sequenceLength
        windowsPerSequence = config.sequenceLength / config.bpttT
        echo = config.echo
        lossAt = config.lossAt
        data = config.data
        seed = config.seed
        trainingBits = [UInt8](repeating: 0, count: length * batch)
        var testStream = RandomStream(seed: seed, purpose: .testData)
        testBits = Self.bits(count: length * batch, from: &testStream)
    }

    static func bits(count: Int, from stream: inout RandomStream) -> [UInt8] {
        var bits = [UInt8](repeating: 0, count: count)
        fill(&bits, from: &stream)
        return bits
    }

    static func fill(_ bits: inout [UInt8], from stream: inout RandomStream) {
        var word: UInt64 = 0
        for p in bits.indices {
            if p % 64 == 0 { word = stream.next() }
            bits[p] = UInt8(truncatingIfNeeded: (word >> UInt64(p % 64)) & 1)
        }
    }

    public func prepareTraining(epoch: Int) {
        let index = data == .fresh ? UInt64(epoch) : 1
        guard index != preparedIndex else { return }
        var stream = RandomStream(seed: seed, purpose: .trainingData, index: index)
        Self.fill(&trainingBits, from: &stream)
        preparedIndex = index
    }

    public func fillTrainingWindow<T: Scalar>(_ w: WindowBuffers<T>, batch: Int, window: Int) -> WindowTargets {
        fill(w, window: window, from: trainingBits)
        return WindowTargets(lossSteps: lossAt == .every ? 1...steps : steps...steps, scoredSteps: 1...steps)
    }

    public func fillTestWindow<T: Scalar>(_ w: WindowBuffers<T>, batch: Int, window: Int) -> WindowTargets {
        fill(w, window: window, from: testBits)
        return WindowTargets(lossSteps: 1...steps, scoredSteps: 1...steps)
    }

    private func fill<T: Scalar>(_ w: WindowBuffers<T>, window: Int, from bits: [UInt8]) {
        let b = batch, lanes = w.lanes, first = window * steps
        bits.withUnsafeBufferPointer { bits in
            let bits = bits.baseAddress!
            for t in 0..<steps {
                let position = first + t
                let x = w.input.base + t * lanes, y = w.targets.base + t * lanes, source = bits + position * b
                for j in 0..<b { x[j] = T(source[j]) }
                if position >= echo {
                    let echoed = bits + (position - echo) * b
                    for j in 0..<b { y[j] = T(echoed[j]) }
                } else {
                    y.update(repeating: 0, count: b)
                }
            }
        }
    }
}
