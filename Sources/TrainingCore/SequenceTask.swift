/// A learning problem: generates its data from the trial's random streams and fills the input
/// and targets of each training and test window. Adding a task is one file conforming to this.
///
/// An epoch is `trainingBatches` independent batches of `batch` sequences; each sequence is
/// `windowsPerSequence` windows of `steps` steps. The hidden state is zero at the start of each
/// batch and carried, detached, from window to window within it.
public protocol SequenceTask {
    /// Input features per step (I).
    var inputs: Int { get }
    /// Outputs per step (O).
    var outputs: Int { get }
    var loss: LossKind { get }
    /// Sequences per training batch (B).
    var batch: Int { get }
    /// Sequences per test batch.
    var testBatch: Int { get }
    /// Steps per window (T).
    var steps: Int { get }
    var windowsPerSequence: Int { get }
    var trainingBatches: Int { get }
    var testBatches: Int { get }

    /// Makes the training data of `epoch` (1-based) current.
    mutating func prepareTraining(epoch: Int)

    /// Writes window `window` of training batch `batch` into `w.input` and `w.targets`.
    func fillTrainingWindow<T: Scalar>(_ w: WindowBuffers<T>, batch: Int, window: Int) -> WindowTargets

    /// Writes window `window` of test batch `batch` into `w.input` and `w.targets`.
    func fillTestWindow<T: Scalar>(_ w: WindowBuffers<T>, batch: Int, window: Int) -> WindowTargets
}
