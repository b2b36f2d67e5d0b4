import Testing
import TrainingCore
@testable import TrialFarm

/// TPE against Optuna's own Parzen estimator (optuna 5.1.0's `_ParzenEstimator.log_pdf`, run once
/// for these fixtures), and the bayes search's decisions against the scheduler contract.
@Suite struct BayesSearchTests {
    @Test("the Parzen estimators' densities are Optuna's")
    func densities() {
        let numeric = ParzenEstimator(numeric: [0.1, 0.5, 0.9, 0.45])
        for (x, expected) in zip([0.0, 0.3, 0.5, 0.77, 1.0], [-0.2163946749829183, 0.09841996699739952, 0.12282085661752307,
                                                              -0.03760358445740253, -0.3260288526153352]) {
            #expect(abs(numeric.logDensity(x) - expected) < 1e-12, "x = \(x)")
        }
        // 30 observations: the older ones' weights ramp up (Optuna's default_weights).
        let many = ParzenEstimator(numeric: (0..<30).map { 0.02 + 0.96 * Double($0) / 29 })
        #expect(abs(many.logDensity(0.25) - 0.088135171962616) < 1e-12 && abs(many.logDensity(0.6) - 0.08903447803898867) < 1e-12)
        #expect(abs(ParzenEstimator(numeric: []).logDensity(0.25) - 0.009727800490949567) < 1e-12)
        let categorical = ParzenEstimator(categorical: [0, 0, 2], count: 3, prior: nil)
        for (c, expected) in [(0, -0.7419373447293773), (1, -1.6582280766035324), (2, -1.0986122886681098)] {
            #expect(abs(categorical.logDensity(Double(c)) - expected) < 1e-12, "category \(c)")
        }
    }

    @Test("the multivariate estimator's density is Optuna's, and a draw takes every value from one kernel")
    func productDensity() {
        // optuna 5.1.0: _ParzenEstimator({"x": [0.1, 0.5, 0.9, 0.45], "y": [0, 0, 2, 1]},
        // {FloatDistribution(0, 1), CategoricalDistribution([0, 1, 2])}, multivariate=True).log_pdf
        let product = ProductParzenEstimator(parameters: [
            ParzenEstimator(numeric: [0.1, 0.5, 0.9, 0.45]),
            ParzenEstimator(categorical: [0, 0, 2, 1], count: 3, prior: nil),
        ])
        for (x, expected) in zip([[0.0, 0], [0.3, 1], [0.5, 0], [0.77, 2], [1.0, 1], [0.1, 2]],
                                 [-0.8288500438822994, -1.0944613953585147, -0.7659327826673623,
                                  -1.0109334218643078, -1.7275432463066582, -1.6861146256232415]) {
            #expect(abs(product.logDensity(x) - expected) < 1e-12, "x = \(x)")
        }
        // Two far-apart observations with narrow kernels (many observations make the magic clip
        // small): a joint draw lands near (0.02, 0.02) or (0.98, 0.98), never across; independent
        // draws would mix them half the time.
        let corners = (0..<40).map { $0 % 2 == 0 ? 0.02 : 0.98 }
        let joint = ProductParzenEstimator(parameters: [ParzenEstimator(numeric: corners), ParzenEstimator(numeric: corners)])
        var stream = RandomStream(seed: 7, purpose: .sweepSampling)
        var mixed = 0, prior = 0
        for _ in 0..<2000 {
            let x = joint.sample(&stream)
            if abs(x[0] - x[1]) > 0.5 { mixed += 1 }
            if min(abs(x[0] - 0.02), abs(x[0] - 0.98)) > 0.2 { prior += 1 }
        }
        // Only the prior kernel (weight 1 of 41) can put the two values apart.
        #expect(mixed < 2000 / 41 * 2, "\(mixed) of 2000 draws mixed the two observations")
        #expect(prior < 2000 / 41 * 2)
    }

    /// A bayes sweep over lr alone, 2 seeds, whose objective the tests make up.
    static func sweep(_ extra: String = "", samples: Int = 24) throws -> Sweep {
        try Sweep.parse("""
            method: bayes
            samples: \(samples)
            sample_seed: 11
            seeds: [0, 1]
            bayes: {startup: 6, generation: 3}
            \(extra)
            parameters:
              lr: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0}
              optimizer: {values: [adam, adamw, sgd]}
            """, source: "bayes.yaml")
    }

    /// Test accuracy that peaks at lr = 0.01, better with adamw; seed 1 a little lower.
    static func objective(_ plan: SweepPlan, _ index: Int) -> (TrialStatus, [Double]) {
        let config = plan.config(of: plan.trials[index])
        let distance = abs(Double.log(config.lr) - Double.log(0.01))
        let value = 1 / (1 + distance) + (config.optimizer == .adamw ? 0.1 : 0) - 0.01 * Double(config.seed)
        return (.completed, [value / 2, value])
    }

    @Test("proposals do not depend on the order results arrive in, or on the number of workers",
          arguments: [(1, 0), (2, 1), (3, 2), (8, 3), (8, 4)] as [(Int, UInt64)])
    func arrivalOrder(_ workers: Int, _ arrival: UInt64) throws {
        let sweep = try Self.sweep()
        let reference = try SimulatedFarm(plan: SweepPlan(sweep), outcome: { _ in (.completed, []) })
        var referenceScheduler = makeScheduler(for: sweep)
        let referenceOrder = SimulatedFarm.run(&referenceScheduler, registry: reference.registry, workers: 1, arrivalSeed: 0) {
            Self.objective(reference.registry.plan, $0)
        }
        let farm = try SimulatedFarm(plan: SweepPlan(sweep), outcome: { _ in (.completed, []) })
        var scheduler = makeScheduler(for: sweep)
        let order = SimulatedFarm.run(&scheduler, registry: farm.registry, workers: workers, arrivalSeed: arrival) {
            Self.objective(farm.registry.plan, $0)
        }
        #expect(order == referenceOrder && order == Array(0..<48))
        #expect(farm.registry.plan.configurationIDs == reference.registry.plan.configurationIDs)
        #expect(farm.registry.plan.configurations.count == 24)
    }

    @Test("the first draws are random search's, and TPE then concentrates near the optimum")
    func learns() throws {
        let sweep = try Self.sweep(samples: 60)
        var random = sweep
        random.method = .random
        let randomPlan = try SweepPlan(random)
        let farm = try SimulatedFarm(plan: SweepPlan(sweep), outcome: { _ in (.completed, []) })
        var scheduler = makeScheduler(for: sweep)
        _ = SimulatedFarm.run(&scheduler, registry: farm.registry, workers: 4, arrivalSeed: 9) { Self.objective(farm.registry.plan, $0) }
        let plan = farm.registry.plan
        #expect(Array(plan.configurationIDs.prefix(6)) == Array(randomPlan.configurationIDs.prefix(6)))
        let late = plan.configurations.suffix(20)
        let near = late.filter { abs(Double.log($0.lr) - Double.log(0.01)) < 1.5 }.count
        let adamw = late.filter { $0.optimizer == .adamw }.count
        let early = randomPlan.configurations.prefix(60).filter { abs(Double.log($0.lr) - Double.log(0.01)) < 1.5 }.count
        #expect(near >= 12 && adamw >= 10, "near \(near) of 20, adamw \(adamw)")
        #expect(Double(near) / 20 > Double(early) / 60)
    }

    @Test("generation k waits for generations 0 … k−2 only")
    func lag() throws {
        let sweep = try Self.sweep()
        let registry = try PlanRegistry(SweepPlan(sweep))
        var search = BayesSearch(sweep)
        var handed: [Int] = []
        while let index = search.next(registry) { handed.append(index) }
        #expect(handed.count == 12)  // generations 0 and 1 (3 draws × 2 seeds each): nothing finished yet
        for index in 0..<6 { search.finished(trial: index, status: .completed, epochValues: [0.5]) }  // generation 0
        while let index = search.next(registry) { handed.append(index) }
        #expect(handed.count == 18)  // generation 2, decided from generation 0 while 1 still runs
        #expect(search.next(registry) == nil && !search.isExhausted)
    }

    @Test("a draw with a diverged trial scores worst; the aggregate is the mean, median or pessimistic interval end")
    func scores() throws {
        #expect(SeedStatistic.aggregate([1, 2, 9], .mean, goal: .maximize) == 4)
        #expect(SeedStatistic.aggregate([1, 2, 9], .median, goal: .maximize) == 2)
        #expect(SeedStatistic.aggregate([1, 2, 9, 4], .median, goal: .maximize) == 3)
        // mean 4, sd √19, t(0.975, 2) = 4.302652729911275
        let half = 4.302652729911275 * 19.0.squareRoot() / 3.0.squareRoot()
        #expect(abs(SeedStatistic.aggregate([1, 2, 9], .ciLow, goal: .maximize)! - (4 - half)) < 1e-9)
        #expect(abs(SeedStatistic.aggregate([1, 2, 9], .ciLow, goal: .minimize)! - (4 + half)) < 1e-9)
        #expect(SeedStatistic.aggregate([3], .ciLow, goal: .maximize) == nil)
        let sweep = try Self.sweep()
        let registry = try PlanRegistry(SweepPlan(sweep))
        var search = BayesSearch(sweep)
        while search.next(registry) != nil {}
        search.finished(trial: 0, status: .completed, epochValues: [0.9])
        search.finished(trial: 1, status: .diverged, epochValues: [])
        search.finished(trial: 2, status: .completed, epochValues: [0.1, 0.2])
        search.finished(trial: 3, status: .completed, epochValues: [0.1, 0.4])
        #expect(search.score(draw: 0) == nil && search.score(draw: 1) == 0.30000000000000004)
    }

    @Test("a search stops proposing once a scored draw reaches metric.target")
    func target() throws {
        let sweep = try Self.sweep("metric: {name: test_acc, target: 0.5}")
        let farm = try SimulatedFarm(plan: SweepPlan(sweep), outcome: { _ in (.completed, []) })
        var scheduler = makeScheduler(for: sweep)
        _ = SimulatedFarm.run(&scheduler, registry: farm.registry, workers: 2, arrivalSeed: 1) { _ in (.completed, [0.7]) }
        // Generations 0 and 1 run; generation 2 would be decided from generation 0, which reached the target.
        #expect(farm.registry.plan.configurations.count == 6 && scheduler.isExhausted)
    }

    @Test("a draw that repeats a configuration, or cannot run, is replaced by a random one")
    func replacements() throws {
        let sweep = try Sweep.parse("""
            method: bayes
            samples: 8
            seeds: [0]
            bayes: {startup: 2, generation: 2}
            parameters:
              optimizer: {values: [adam, adamw]}
              hidden: {values: [4, 8]}
            """, source: "b.yaml")
        let farm = try SimulatedFarm(plan: SweepPlan(sweep), outcome: { _ in (.completed, []) })
        var scheduler = makeScheduler(for: sweep)
        let order = SimulatedFarm.run(&scheduler, registry: farm.registry, workers: 1, arrivalSeed: 2) { _ in (.completed, [0.5]) }
        // Four configurations exist; the other draws found no new one and ran nothing.
        #expect(farm.registry.plan.configurations.count == 4 && order.count == 4 && Set(farm.registry.plan.configurationIDs).count == 4)
    }
}
