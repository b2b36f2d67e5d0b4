import Prometheus
import TrialFarm

extension LiveStatus {
    /// The metrics `/metrics` serves, in Prometheus's text format, at `now` (Unix time):
    ///
    /// - `depthfarm_trials{status}`: trials by status — `waiting` (not finished, not running: pending,
    ///   handed out behind a running trial, or paused at a rung), `running`, `completed`,
    ///   `diverged`, `pruned`, `failed`; they add up to the sweep's trials (`trials.csv`'s rows);
    /// - `depthfarm_trials_per_second`: trials finished per second over the last half minute;
    /// - `depthfarm_workers_alive`: workers connected (silent ones are dropped after `--liveness` heartbeats);
    /// - `depthfarm_worker_heartbeat_age_seconds{worker}`: seconds since each was last heard from;
    /// - `depthfarm_status_age_seconds`: how old the coordinator's snapshot behind these is.
    ///
    /// A fresh registry each time: a worker that left leaves no series behind.
    public func prometheusText(now: Double) -> String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ unit: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "depthfarm", metricName: name, unitName: unit, helpText: help), labels: labels)
        }
        let byStatus: [(String, Int)] = [("waiting", counts.pending - counts.running), ("running", counts.running), ("completed", counts.completed),
                                         ("diverged", counts.diverged), ("pruned", counts.pruned), ("failed", counts.failed)]
        for (status, count) in byStatus {
            gauge("trials", "", "Trials of the sweep by status; waiting: not finished and not running", [("status", status)]).set(Double(count))
        }
        gauge("trials_per_second", "", "Trials finished per second over the last 30 seconds").set(trialsPerSecond)
        gauge("workers_alive", "", "Workers connected to the coordinator").set(Double(workers.count))
        for worker in workers {
            gauge("worker_heartbeat_age", "seconds", "Seconds since the worker was last heard from", [("worker", worker.name)])
                .set(Self.age(worker, now: now))
        }
        gauge("status_age", "seconds", "Seconds since the coordinator made the snapshot these metrics come from").set(max(0, now - updated))
        return registry.emitToString()
    }
}
