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
/// scheduler hands trials out (a search adds configurations through its `TrialRegistry`). Retried attempts of a lost trial are the coordinator's business
/// (they are not new decisions).
public protocol Scheduler {
    /// The metric whose per-epoch values the scheduler learns from; nil if it learns nothing
    /// from results (grid and random search), which spares the coordinator reading them.
    var observedMetric: Metric? { get }

    /// The next trial to hand out, as an index into `registry.plan.trials` (a search that learns
    /// adds its configurations to the registry first), or nil when none can start now (every
    /// trial handed out, or waiting for results).
    mutating func next(_ registry: some TrialRegistry) -> Int?

    /// The value of `observedMetric` of trial `index` at the end of `epoch`, as it streams in
    /// (possibly from an attempt that is later lost; the final result is what counts).
    mutating func observe(trial index: Int, epoch: Int, value: Double)

    /// Trial `index` finished (completed, diverged or failed for good), with the values of
    /// `observedMetric` at the end of each of its epochs, in order.
    mutating func finished(trial index: Int, status: TrialStatus, epochValues: [Double])

    /// Whether every trial the search will ever run has been handed out: when those finish, the
    /// sweep is over.
    var isExhausted: Bool { get }

    /// The epoch up to which the next attempt of trial `index` runs, pausing there with a
    /// checkpoint (early stopping hands trials out rung by rung); nil: to its last epoch.
    func epochLimit(trial index: Int) -> Int?

    /// Trial `index` paused, as asked, at the end of `epoch`, with the observed metric at the end
    /// of each epoch so far. It runs on only if `next` hands it out again.
    mutating func paused(trial index: Int, epoch: Int, epochValues: [Double])

    /// The paused trials the search ends where they stand (pruned), decided since the last call,
    /// in index order.
    mutating func takePruned() -> [Int]

    /// What the search decided of configurations since the last call (eliminated, pruned,
    /// survived), for the journal and `decisions.csv`.
    mutating func takeDecisions() -> [SearchDecision]
}

/// What a search decided of a configuration, and on what evidence.
public struct SearchDecision: Sendable, Equatable {
    public enum Event: String, Sendable, CaseIterable {
        /// A race's test found it worse than the best.
        case eliminated
        /// Early stopping ended it at a rung.
        case pruned
        /// It was among the last left when its race ended.
        case survived
    }
    /// The configuration's id.
    public let configuration: UInt64
    public let event: Event
    /// After how many seeds (a race), or at which epoch (early stopping).
    public let seeds: Int?
    public let epoch: Int?
    /// The test (friedman, t-test, diverged) or rule (hyperband).
    public let test: String
    public let pValue: Double?

    public init(configuration: UInt64, event: Event, seeds: Int? = nil, epoch: Int? = nil, test: String, pValue: Double? = nil) {
        (self.configuration, self.event, self.seeds, self.epoch, self.test, self.pValue) = (configuration, event, seeds, epoch, test, pValue)
    }
}

extension Scheduler {
    // A search that runs every trial to its end.
    public func epochLimit(trial index: Int) -> Int? { nil }
    public mutating func paused(trial index: Int, epoch: Int, epochValues: [Double]) {}
    public mutating func takePruned() -> [Int] { [] }
    public mutating func takeDecisions() -> [SearchDecision] { [] }
}

/// Where a scheduler's trials live: the plan, which a search that learns extends. The output
/// folder (`ResultStore`) is one: it journals what is added, and on resume checks that a search
/// adds again exactly what it added before.
public protocol TrialRegistry: AnyObject {
    var plan: SweepPlan { get }
    /// Adds a configuration to run on `seeds`; its trials' indices, or nil if the plan has it already.
    func add(_ config: TrialConfig, draw: Int, cell: Int, seeds: [UInt64]) -> Range<Int>?
}

/// A plan on its own, as a registry (for tests, and for anything that runs a search without a folder).
public final class PlanRegistry: TrialRegistry {
    public private(set) var plan: SweepPlan
    public init(_ plan: SweepPlan) { self.plan = plan }
    public func add(_ config: TrialConfig, draw: Int, cell: Int, seeds: [UInt64]) -> Range<Int>? {
        plan.add(config, draw: draw, cell: cell, seeds: seeds)
    }
}

/// The scheduler a sweep's `method` (and `early_terminate`) asks for.
public func makeScheduler(for sweep: Sweep) -> any Scheduler {
    let search: any Scheduler = switch sweep.method {
    case .grid, .random: PlannedSearch()
    case .bayes: BayesSearch(sweep)
    case .race: RaceSearch(sweep)
    }
    guard let early = sweep.earlyTerminate else { return search }
    return EarlyStopping(base: search, schedule: HyperbandSchedule(early, epochs: sweep.epochs), sweep: sweep)
}
