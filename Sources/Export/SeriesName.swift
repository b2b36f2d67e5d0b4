import TrainingCore

/// The name and step under which a metric record is exported, the same in MLflow and TensorBoard:
///
///     epoch/test_acc              per-epoch records; step = the epoch (from 1)
///     epoch/dldh_norm_lag_3       … with a lag
///     window/train_loss           per-window records; step = the window (parameter updates so far)
///     window/grad_cos_lag_3       … with a lag
///
/// The lag is a suffix, not a level of its own (`grad_norm/lag_3`): under bptd `grad_norm` has a
/// series per lag and one without a lag, and MLflow's file store keeps a metric named `a/b` in the
/// file `metrics/a/b`, so `grad_norm` could not be both a file and a folder. The `epoch/` and
/// `window/` prefixes keep the two series of `train_loss` (per window and per epoch) apart and
/// group the charts in TensorBoard.
enum SeriesName {
    static func of(_ record: MetricRecord) -> String {
        let name = (record.step == nil ? "epoch/" : "window/") + record.metric.rawValue
        return record.lag.map { name + "_lag_\($0)" } ?? name
    }

    static func step(_ record: MetricRecord) -> Int { record.step ?? record.epoch }
}
