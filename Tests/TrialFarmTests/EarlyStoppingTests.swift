import Testing
import TrainingCore
@testable import TrialFarm

/// Hyperband's arithmetic, the racing statistics, and both searches against the scheduler
/// contract, with trials that pause at rungs in a simulated farm.
@Suite struct EarlyStoppingTests {
    @Test("Hyperband's brackets for R = 81, η = 3 are the paper's Table 1 (Li et al. 2018)")
    func tableOne() {
        var settings = Sweep.EarlyTerminate()
        settings.minIter = 1
        let schedule = HyperbandSchedule(settings, epochs: 81)
        #expect(schedule.rungs == [1, 3, 9, 27])
        // (n_i, r_i) per bracket, as Table 1 lists them.
        let table: [[(Int, Int)]] = [[(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)], [(34, 3), (11, 9), (3, 27), (1, 81)],
                                     [(15, 9), (5, 27), (1, 81)], [(8, 27), (2, 81)], [(5, 81)]]
        #expect(schedule.brackets.map(\.s) == [4, 3, 2, 1, 0])
        for (bracket, rows) in zip(schedule.brackets, table) {
            var n = bracket.configurations
            var stages: [(Int, Int)] = []
            for rung in bracket.rungs {
                stages.append((n, rung))
                n = schedule.survivors(of: n)
            }
            stages.append((n, 81))
            #expect(stages.map(\.0) == rows.map(\.0) && stages.map(\.1) == rows.map(\.1), "bracket s = \(bracket.s)")
        }
    }

    @Test("W&B's rungs: min_iter·η^i, or max_iter/η^i for i ≤ s; only those before the last epoch; brackets limited on request")
    func wandbRungs() {
        var fromMax = Sweep.EarlyTerminate()
        (fromMax.maxIter, fromMax.s, fromMax.eta) = (27, 3, 3)
        #expect(HyperbandSchedule(fromMax, epochs: 27).rungs == [1, 3, 9])
        var fromMin = Sweep.EarlyTerminate()
        (fromMin.minIter, fromMin.eta) = (2, 2)
        #expect(HyperbandSchedule(fromMin, epochs: 10).rungs == [2, 4, 8])
        fromMin.brackets = 1
        let one = HyperbandSchedule(fromMin, epochs: 10)
        #expect(one.brackets.count == 1 && one.brackets[0].rungs == [2, 4, 8])
    }

    @Test("Friedman's statistic and Conover's comparisons against scipy and an independent computation")
    func friedman() {
        let values: [[Double]] = [[0.91, 0.88, 0.93, 0.90, 0.87], [0.85, 0.88, 0.80, 0.83, 0.86],
                                  [0.60, 0.62, 0.58, 0.70, 0.61], [0.91, 0.84, 0.92, 0.89, 0.88]]
        let result = RaceStatistics.friedman(values)
        #expect(abs(result.statistic - 12.0625) < 1e-12)  // scipy.stats.friedmanchisquare: 12.062499999999998
        #expect(abs(result.pValue - 0.007172099827920928) < 1e-12)
        #expect(result.rankSums == [7, 13.5, 20, 9.5])
        #expect(RaceStatistics.friedmanRace(values, alpha: 0.05).eliminated == [1, 2])  // critical difference 4.3119948138492905
        // Paired t-tests against the best mean (scipy.stats.ttest_rel): p = 0.0819, 0.000408, 0.298.
        let t = RaceStatistics.tTestRace(values, alpha: 0.05)
        #expect(t.eliminated == [2] && abs(t.pValues[0] - 0.0004081476000247104) < 1e-9)
        #expect(RaceStatistics.friedmanRace([[1, 1, 1], [1, 1, 1]], alpha: 0.05).eliminated.isEmpty)  // all tied: nothing to say
    }

    @Test("CRC-32C of the standard check string")
    func crc() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    /// A farm that honours epoch limits: a trial runs to its limit and pauses there, and the
    /// search's prunings end paused trials.
    static func run(_ scheduler: inout some Scheduler, registry: some TrialRegistry, workers: Int, arrival: UInt64,
                    values: (Int) -> [Double]) -> (order: [Int], pruned: [Int: Int], epochs: Int) {
        var random = RandomStream(seed: arrival, purpose: .sweepSampling)
        var order: [Int] = [], pruned: [Int: Int] = [:], epochs = 0
        var running: [(index: Int, limit: Int?, at: Int)] = []
        var done: [Int: Int] = [:]  // epochs trained per trial
        var time = 0
        while true {
            while running.count < workers, let index = scheduler.next(registry) {
                order.append(index)
                running.append((index, scheduler.epochLimit(trial: index), time + 1 + random.nextBelow(20)))
            }
            guard let soonest = running.indices.min(by: { running[$0].at < running[$1].at }) else {
                if !scheduler.isExhausted { Issue.record("the search waits while nothing runs") }
                return (order, pruned, epochs)
            }
            let (index, limit, at) = running.remove(at: soonest)
            time = at
            let all = values(index)
            let reach = min(limit ?? all.count, all.count)
            epochs += reach - done[index, default: 0]
            done[index] = reach
            if reach < all.count {
                scheduler.paused(trial: index, epoch: reach, epochValues: Array(all.prefix(reach)))
            } else {
                scheduler.finished(trial: index, status: .completed, epochValues: all)
            }
            for stopped in scheduler.takePruned() {
                pruned[stopped] = done[stopped]!
                scheduler.finished(trial: stopped, status: .pruned, epochValues: Array(all.prefix(done[stopped]!)))
            }
        }
    }

    static let hyperband = """
        seeds: [0, 1]
        early_terminate: {type: hyperband, min_iter: 1, eta: 3}
        parameters:
          epochs: {value: 9}
          lr: {values: [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.01, 0.011, 0.012]}
        """

    /// Accuracy rising each epoch, higher with lr (and a little with the seed).
    static func curve(_ plan: SweepPlan, _ index: Int) -> [Double] {
        let config = plan.config(of: plan.trials[index])
        return (1...config.epochs).map { Double($0) * config.lr + 0.0001 * Double(config.seed) }
    }

    @Test("which trials are pruned, and where, does not depend on the order results arrive in",
          arguments: [(1, 0), (2, 1), (3, 2), (7, 3)] as [(Int, UInt64)])
    func hyperbandArrival(_ workers: Int, _ arrival: UInt64) throws {
        let sweep = try Sweep.parse(Self.hyperband, source: "h.yaml")
        func simulate(_ workers: Int, _ arrival: UInt64) throws -> (pruned: [Int: Int], epochs: Int, count: Int) {
            let registry = PlanRegistry(try SweepPlan(sweep))
            var scheduler = makeScheduler(for: sweep)
            let run = Self.run(&scheduler, registry: registry, workers: workers, arrival: arrival) { Self.curve(registry.plan, $0) }
            return (run.pruned, run.epochs, registry.plan.trials.count)
        }
        let reference = try simulate(1, 99), found = try simulate(workers, arrival)
        #expect(found.pruned == reference.pruned && found.epochs == reference.epochs)
        // Rungs 1 and 3; brackets of 9 (s = 2) and 5 (s = 1) configurations, the 12 dealt 9 then 3.
        // Bracket 2: 9 → 3 at epoch 1 → 1 at epoch 3; bracket 1: 3 → 1 at epoch 3.
        #expect(found.pruned.count == 2 * (6 + 2 + 2) && found.pruned.values.filter { $0 == 1 }.count == 12)
        #expect(found.epochs == 2 * (9 * 1 + 3 * 2 + 1 * 6 + 3 * 3 + 1 * 6))  // resumed from checkpoints: nothing trained twice
        // The best lr of each cohort survives.
        let survivors = Set((0..<found.count).filter { found.pruned[$0] == nil }.map { try! SweepPlan(sweep).config(of: SweepPlan(sweep).trials[$0]).lr })
        #expect(survivors == [0.009, 0.012])
    }

    static let race = """
        method: race
        seeds: {count: 8}
        race: {first_test: 3}
        parameters:
          lr: {values: [0.001, 0.002, 0.003, 0.004, 0.005, 0.006]}
        """

    @Test("a race's eliminations and trials do not depend on the order results arrive in", arguments: [(1, 0), (3, 1), (6, 2)] as [(Int, UInt64)])
    func raceArrival(_ workers: Int, _ arrival: UInt64) throws {
        let sweep = try Sweep.parse(Self.race, source: "r.yaml")
        func simulate(_ workers: Int, _ arrival: UInt64) -> (order: [Int], ids: [UInt64], decisions: [SearchDecision]) {
            let registry = PlanRegistry(try! SweepPlan(sweep))
            var scheduler = makeScheduler(for: sweep)
            // The final accuracy: lr·100 plus noise by seed — the larger lr clearly better.
            let order = Self.run(&scheduler, registry: registry, workers: workers, arrival: arrival) { index in
                let config = registry.plan.config(of: registry.plan.trials[index])
                return [config.lr * 100 + Double(config.seed % 3) * 0.05]
            }.order
            return (order, registry.plan.trials.map(\.id), scheduler.takeDecisions())
        }
        let reference = simulate(1, 99), found = simulate(workers, arrival)
        #expect(found.order == reference.order && found.ids == reference.ids && found.decisions == reference.decisions)
        // Six candidates on the first three seeds, then the survivors seed by seed.
        #expect(found.ids.count < 6 * 8 && found.decisions.contains { $0.event == .eliminated && $0.seeds == 3 && $0.test == "friedman" })
        #expect(found.decisions.filter { $0.event == .survived }.count >= 1)
    }
}
