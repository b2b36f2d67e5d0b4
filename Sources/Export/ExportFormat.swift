/// What `depthfarm export` writes.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// An MLflow file store: `mlflow ui --backend-store-uri file:OUT`.
    case mlflow
    /// TensorBoard event files, one run folder per trial: `tensorboard --logdir OUT`.
    case tensorboard
}
