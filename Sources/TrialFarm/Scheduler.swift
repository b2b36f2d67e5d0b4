import TrainingCore

/// The one component that decides what a sweep runs next. The coordinator asks it for the next
/// trial whenever a worker is free, and tells it every result: the sweep metric at the end of
/// each epoch as trials stream their rows, and every trial's final outcome.
///
/// **The contract.** A scheduler's decisions — which trials exist, in which order they are
/// handed out, and (for adaptive methods) which stop early — are a pure function of the sweep
/// and of the completed results taken in trial-index order. Never of the order in which results
/// arrive, of timing, or of how many workers there are. Results arrive in any order; a
/// scheduler that learns from them buffers them and acts only on complete evidence, e.g. once
/// every trial of a generation has finished, reading them in index order. So an adaptive search
/// gives the same trials and the same numbers on 1 worker or 1,000, and the unit tests check it
/// by delivering results in shuffled orders.
///
/// **Resuming.** Because of the contract a scheduler's state is rebuilt by replay: a restarted
/// coordinator creates it afresh from the sweep and walks it as a run would — asking for trials
/// in order and, for each trial the journal records as finished, telling it the result at once
/// instead of running it (results in index order, the epoch values read back from
/// `completed.csv`). Anything a scheduler decides that replay could not reproduce would have to
/// be journaled; nothing may be.
///
/// **Trial indices.** A trial's index is its position in `plan.trials`, the order in which the
/// scheduler hands trials out. Retried attempts of a lost trial are the coordinator's business
/// (they are not new decisions).
public protocol Scheduler {
    /// The metric whose per-epoch values the scheduler learns from; nil if it learns nothing
    /// from results (grid and random search), which spares the coordinator reading them.
    var observedMetric: Metric? { get }

    /// The next trial to hand out, as an index into `plan.trials`, or nil when none can start now
    /// (every trial handed out, or waiting for results).
    mutating func next(_ plan: SweepPlan) -> Int?

    /// The value of `observedMetric` of trial `index` at the end of `epoch`, as it streams in
    /// (possibly from an attempt that is later lost; the final result is what counts).
    mutating func observe(trial index: Int, epoch: Int, value: Double)

    /// Trial `index` finished (completed, diverged or failed for good), with the values of
    /// `observedMetric` at the end of each of its epochs, in order.
    mutating func finished(trial index: Int, status: TrialStatus, epochValues: [Double])

    /// Whether every trial the search will ever run has been handed out: when those finish, the
    /// sweep is over.
    var isExhausted: Bool { get }
}

/// The scheduler a sweep's `method` asks for.
public func makeScheduler(for sweep: Sweep) -> any Scheduler {
    switch sweep.method {
    case .grid, .random: PlannedSearch()
    }
}
