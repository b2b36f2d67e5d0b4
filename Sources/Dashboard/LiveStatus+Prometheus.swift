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
        let byStatus: [(String, Int)] = [("waiting", counts.pending - counts.running), ("running", counts.running), ("completed", counts.completed),
                                         ("diverged", counts.diverged), ("pruned", counts.pruned), ("failed", counts.failed)]
        for (status, count) in byStatus {
            registry.makeGauge(name: "depthfarm_trials", labels: [("status", status)],
                               help: "Trials of the sweep by status; waiting: not finished and not running").set(Double(count))
        }
        registry.makeGauge(name: "depthfarm_trials_per_second", help: "Trials finished per second over the last 30 seconds").set(trialsPerSecond)
        registry.makeGauge(name: "depthfarm_workers_alive", help: "Workers connected to the coordinator").set(Double(workers.count))
        for worker in workers {
            registry.makeGauge(name: "depthfarm_worker_heartbeat_age_seconds", labels: [("worker", worker.name)],
                               help: "Seconds since the worker was last heard from").set(Self.age(worker, now: now))
        }
        registry.makeGauge(name: "depthfarm_status_age_seconds", help: "Seconds since the coordinator made the snapshot these metrics come from")
            .set(max(0, now - updated))
        return registry.emitToString()
    }
}
