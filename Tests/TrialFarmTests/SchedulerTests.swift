import Testing
import TrainingCore
@testable import TrialFarm

/// A farm simulated without processes: `workers` workers take trials from a scheduler as they
/// free up, and each trial's result arrives after a pseudo-random delay, so results come back in
/// an order that depends on `arrivalSeed` and on the number of workers. What a scheduler decides
/// must not.
struct SimulatedFarm {
    let registry: PlanRegistry
    /// The result of each trial: its status and the observed metric per epoch.
    let outcome: (Int) -> (TrialStatus, [Double])

    init(plan: SweepPlan, outcome: @escaping (Int) -> (TrialStatus, [Double])) {
        registry = PlanRegistry(plan)
        self.outcome = outcome
    }

    /// The trials in the order the scheduler handed them out.
    func run(_ scheduler: inout some Scheduler, workers: Int, arrivalSeed: UInt64) -> [Int] {
        Self.run(&scheduler, registry: registry, workers: workers, arrivalSeed: arrivalSeed, outcome: outcome)
    }

    /// Runs `scheduler` to the end over `registry`; `outcome` gives each trial's result when it finishes.
    static func run(_ scheduler: inout some Scheduler, registry: some TrialRegistry, workers: Int, arrivalSeed: UInt64,
                    outcome: (Int) -> (TrialStatus, [Double])) -> [Int] {
        var random = RandomStream(seed: arrivalSeed, purpose: .sweepSampling)
        var handedOut: [Int] = []
        var running: [(index: Int, finishesAt: Int)] = []
        var time = 0
        while true {
            while running.count < workers, let index = scheduler.next(registry) {
                handedOut.append(index)
                running.append((index, time + 1 + random.nextBelow(20)))
            }
            guard let soonest = running.indices.min(by: { running[$0].finishesAt < running[$1].finishesAt }) else {
                if scheduler.isExhausted { return handedOut }
                Issue.record("the scheduler waits for results while nothing runs")
                return handedOut
            }
            let (index, finishesAt) = running.remove(at: soonest)
            time = finishesAt
            let (status, values) = outcome(index)
            for (epoch, value) in values.enumerated() { scheduler.observe(trial: index, epoch: epoch + 1, value: value) }
            scheduler.finished(trial: index, status: status, epochValues: values)
        }
    }
}

@Suite struct SchedulerTests {
    static let grid = """
        seeds: [0, 1, 2]
        parameters:
          method: {values: [bptt, bptd]}
          hidden: {values: [4, 8]}
        """

    @Test("grid and random search hand out every trial once, in index order, then are exhausted")
    func plannedOrder() throws {
        for text in [Self.grid, "method: random\nsamples: 5\nseeds: [3, 4]\nparameters:\n  lr: {distribution: uniform, min: 0.1, max: 0.2}\n"] {
            let plan = try SweepPlan(try Sweep.parse(text, source: "s.yaml"))
            let registry = PlanRegistry(plan)
            var scheduler = makeScheduler(for: plan.sweep)
            #expect(scheduler.observedMetric == nil && !scheduler.isExhausted)
            var order: [Int] = []
            while let index = scheduler.next(registry) { order.append(index) }
            #expect(order == Array(plan.trials.indices) && scheduler.isExhausted)
            #expect(scheduler.next(registry) == nil)
        }
    }

    @Test("the decisions do not depend on the order results arrive in, or on the number of workers",
          arguments: [(1, 0), (3, 1), (8, 2), (8, 3)] as [(Int, UInt64)])
    func arrivalOrder(_ workers: Int, _ seed: UInt64) throws {
        let plan = try SweepPlan(try Sweep.parse(Self.grid, source: "s.yaml"))
        let farm = SimulatedFarm(plan: plan) { index in (index % 5 == 4 ? .diverged : .completed, [Double(index % 7), Double(index % 3)]) }
        var reference = makeScheduler(for: plan.sweep)
        let expected = farm.run(&reference, workers: 1, arrivalSeed: 99)
        var scheduler = makeScheduler(for: plan.sweep)
        #expect(farm.run(&scheduler, workers: workers, arrivalSeed: seed) == expected)
        #expect(expected.count == plan.trials.count)
    }
}
