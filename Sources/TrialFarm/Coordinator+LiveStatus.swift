import Glibc

extension Coordinator.State {
    /// The coordinator's view as a `LiveStatus`: counts, recent rate, workers with their last
    /// heartbeat, and the trials a table shows (all of a small sweep; of a larger one those held
    /// by workers and the last finished). Costs in proportion to those trials and the workers,
    /// not to the sweep.
    func liveStatus(now: ContinuousClock.Instant, pid: Int32) -> LiveStatus {
        let unixNow = Self.unixTime()
        let unixStarted = unixNow - seconds(now - started)
        var counts = LiveStatus.Counts()
        (counts.total, counts.pending, counts.completed, counts.diverged, counts.pruned, counts.failed) =
            (trials.count, self.counts.pending, self.counts.completed, self.counts.diverged, self.counts.pruned, self.counts.failed)
        counts.running = workers.values.count { !$0.held.isEmpty }
        let workerList = workers.values.map { worker in
            LiveStatus.Worker(name: worker.name, lastHeard: unixNow - seconds(now - worker.lastSeen), trials: worker.held)
        }.sorted { $0.name < $1.name }
        let shown: [Int]
        if trials.count <= LiveStatus.allTrialsUpTo {
            shown = Array(trials.indices)
        } else {
            shown = Set(workers.values.flatMap(\.held) + lastFinished.suffix(LiveStatus.recentFinished)).sorted()
        }
        let table = shown.map { index in
            let t = trials[index], trial = plan.trials[index], configuration = Int(trial.configuration)
            let holder = t.worker.flatMap { workers[$0] }
            let status: String = switch t.status {
            case .pending: "pending"
            case .running: holder?.held.first == index ? "running" : "assigned"
            case .paused: "paused"
            case .finished: store.status(index).rawValue
            }
            return LiveStatus.Trial(index: index, id: SweepPlan.hex(trial.id), seed: trial.seed, configuration: configurationText(configuration),
                                    status: status, worker: holder?.name, epochReached: t.epochReached,
                                    epochs: plan.configurations[configuration].epochs, latestValue: t.latestValue)
        }
        return LiveStatus(sweep: plan.sweep.name, metric: plan.sweep.metric.rawValue, pid: pid, started: unixStarted, updated: unixNow,
                          counts: counts, trialsPerSecond: recentRate(now: now), workers: workerList, trials: table)
    }
}
