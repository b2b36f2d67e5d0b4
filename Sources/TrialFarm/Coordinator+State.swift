import Glibc
import Logging
import TrainingCore

extension Coordinator {
    /// Everything the coordinator knows, and all it decides: which worker runs which attempt of
    /// which trial, which results are accepted (only a trial's current attempt, from the worker
    /// holding it), when a worker is dead and its trials go back, what is written to the store.
    /// The loop in `Coordinator.run` feeds it messages and time and sends what it queues in
    /// `outbox`; nothing here touches a socket, so the exactly-once logic is tested without
    /// processes (`CoordinatorStateTests`).
    struct State {
        // Fixed for the run.
        let store: ResultStore
        let options: CoordinatorOptions
        /// This coordinator's session, sent in every WELCOME.
        let session: UInt64
        let logger: Logger

        /// Decides which trials exist and in which order they run (see `Scheduler`).
        var scheduler: any Scheduler
        /// Per trial, by trial index.
        var trials: [TrialState]
        /// Trials the scheduler has handed out that no worker has started yet, in index order.
        var ready = IndexQueue<Int>()
        /// Trials whose attempt was lost, waiting to run again, oldest first; served before
        /// `ready`, so that a search waiting for a generation is not kept waiting.
        var retries = IndexQueue<Int>()
        /// Connected workers, by routing id.
        var workers: [[UInt8]: WorkerState] = [:]
        /// Workers with an unanswered READY, in the order they asked (may hold ids since gone or
        /// answered; skipped).
        var idle = IndexQueue<[UInt8]>()
        /// Every trial of the plan by status, as this run has it (finished ones from before included).
        var counts: TrialCounts
        /// Trials that had finished before this run started (for the rate of this run).
        let finishedAtStart: Int
        /// When this run started.
        let started: ContinuousClock.Instant

        /// Dropped messages by reason: in all, and since they were last reported.
        var rejected: [String: Int] = [:], rejectedSinceReport: [String: Int] = [:]
        /// CURVE handshakes that failed (a peer without CURVE, or with the wrong server key) since
        /// the last report, by peer address.
        var handshakeFailures: [String: Int] = [:]
        /// When dropped messages, refusals and failed handshakes were last logged (every 5 s at most).
        var lastReport: ContinuousClock.Instant
        /// Replies the coordinator may still send to peers it does not know, refilled at 100 per
        /// second: a flood of strangers cannot make it flood back.
        var strangerReplies = 100.0
        var lastRefill: ContinuousClock.Instant
        /// When the last group of finished trials was committed to disk.
        var lastCommit: ContinuousClock.Instant
        /// A write to the output folder failed: the run stops with this error.
        var fatal: (any Error)?
        /// The canonical JSON of the last configuration handed out, split around its seed (trials
        /// come configuration by configuration, so most ASSIGNs only change the seed).
        var configurationText: (index: Int32, prefix: String, suffix: String)?
        /// Messages for the loop to send, in order.
        var outbox: [(id: [UInt8], message: WireMessage)] = []
        /// When housekeeping last ran: a coordinator busy for longer (storing a trial of
        /// gigabytes) did not hear its workers, and does not count that as their silence.
        var lastHousekeeping: ContinuousClock.Instant
        /// Trials finished, sampled every second over the last half minute: the recent rate.
        var finishedSamples: [(time: ContinuousClock.Instant, finished: Int)] = []
        /// Workers dropped as dead this run (at most `maximumWorkers`): told too when the sweep
        /// ends, in case they are alive after all, so that none waits for a coordinator gone.
        var droppedWorkers: Set<[UInt8]> = []
        /// The best configurations so far, for the progress display.
        var standings: Standings
        /// The trials finished last in this run, oldest first (at most `LiveStatus.recentFinished`),
        /// for the live page's table of a large sweep.
        var lastFinished: [Int] = []

        init(store: ResultStore, options: CoordinatorOptions, session: UInt64, logger: Logger, now: ContinuousClock.Instant) {
            self.store = store
            self.options = options
            self.session = session
            self.logger = logger
            scheduler = makeScheduler(for: store.plan.sweep)
            standings = Standings(sweep: store.plan.sweep)
            trials = [TrialState](repeating: TrialState(), count: store.plan.trials.count)
            // A trial that failed in an earlier run is tried again: it counts as pending.
            var counts = TrialCounts()
            for index in store.plan.trials.indices {
                let status = store.status(index)
                counts.add(status == .failed ? .pending : status)
            }
            self.counts = counts
            finishedAtStart = counts.finished
            started = now
            lastReport = now
            lastRefill = now
            lastCommit = now
            lastHousekeeping = now
        }
    }

    struct TrialState {
        /// Paused: stopped at an epoch a search asked for, its checkpoint kept, waiting for the
        /// search to hand it out again or prune it.
        enum Status { case pending, running, paused, finished }
        var status: Status = .pending
        /// The current (or last) attempt; results carrying another number are stale.
        var attempt = 0
        /// Attempts lost to a dead worker, an error or a timeout.
        var failures = 0
        /// The worker running the current attempt.
        var worker: [UInt8]?
        /// METRICS batches received from the current attempt (the next expected sequence number).
        var batches = 0
        /// Unix time the current attempt was handed out.
        var started = 0.0
        /// When the current attempt last sent something (for the trial timeout).
        var lastHeard = ContinuousClock.now
        /// The scheduler's metric at the end of each epoch of the current attempt, as it streamed in.
        var epochValues: [Double] = []
        /// The epoch it is paused at, while paused.
        var pausedAt = 0
        /// The last epoch the current attempt finished, and the sweep's metric then (for the
        /// progress display and the best so far).
        var epochReached = 0
        var latestValue: Double?
    }

    struct WorkerState {
        var host: String
        var pid: Int
        /// When it last sent anything, and when it was last sent anything.
        var lastSeen: ContinuousClock.Instant
        var lastSent: ContinuousClock.Instant
        /// The trials it holds, in the order given: the first runs, the next waits its turn.
        var held: [Int] = []
        /// READYs not yet answered with a trial.
        var credits = 0
        var name: String { "\(host)/\(pid)" }
    }

    /// Trials taken from the scheduler ahead of the workers asking for them, at most.
    static let readyAhead = 10_000
    /// Workers the coordinator keeps track of at most; more greetings are dropped.
    static let maximumWorkers = 10_000
    /// Trials a worker may hold: one running and one waiting (workers ask for the second only
    /// when their trials are short, to hide the round trip).
    static let maximumHeld = 2
}

extension Coordinator.State {
    var plan: SweepPlan { store.plan }

    /// Whether the sweep is over: the scheduler will propose nothing more, and everything it
    /// proposed has finished.
    var isComplete: Bool {
        scheduler.isExhausted && ready.isEmpty && retries.isEmpty && counts.finished == trials.count
    }

    // MARK: Messages

    mutating func handle(_ frames: [[UInt8]], truncated: Bool, now: ContinuousClock.Instant) {
        guard let id = frames.first else { return }
        guard !truncated else {
            reject("more than \(WireProtocol.maximumFrames) frames")
            return
        }
        let message: WireMessage
        do {
            message = try WireMessage.decode(Array(frames.dropFirst()))
        } catch {
            reject(error.reason)
            return
        }
        handle(message, from: id, now: now)
    }

    mutating func handle(_ message: WireMessage, from id: [UInt8], now: ContinuousClock.Instant) {
        if case .hello(let host, let pid, let version) = message {
            greeted(by: id, host: host, pid: pid, version: version, now: now)
            return
        }
        guard workers[id] != nil else {
            // Not greeted (a worker of an earlier coordinator, or a stranger): ask it to greet.
            reject("\(message.command) from a peer that did not say HELLO")
            if mayReplyToStranger(now: now) { send(welcome, to: id) }
            return
        }
        workers[id]!.lastSeen = now
        switch message {
        case .ready:
            let worker = workers[id]!
            guard worker.held.count + worker.credits < Coordinator.maximumHeld else {
                reject("READY beyond \(Coordinator.maximumHeld) trials")
                return
            }
            workers[id]!.credits += 1
            idle.push(id)
        case .heartbeat:
            break
        case .metrics(let trial, let attempt, let sequence, let packed):
            receivedMetrics(trial, attempt, sequence: sequence, packed: packed, from: id, now: now)
        case .checkpoint(let trial, let attempt, let epoch, let piece, let count, let bytes):
            guard let index = current(trial, attempt, from: id) else { return }
            trials[index].lastHeard = now
            do {
                if try store.receiveCheckpoint(index, attempt: attempt, epoch: epoch, index: piece, count: count, bytes: bytes) != nil {
                    logger.debug("trial \(SweepPlan.hex(trial)): checkpoint after epoch \(epoch)")
                }
            } catch {
                fatal = error
            }
        case .done(let trial, let attempt, let batches, let outcome):
            receivedDone(trial, attempt, batches: batches, outcome: outcome, from: id, now: now)
        case .failed(let trial, let attempt, let error):
            guard let index = current(trial, attempt, from: id) else { return }
            release(index, from: id, now: now)
            let error = PrintableText.escaped(error, maximumBytes: WireProtocol.maximumTextBytes)
            lose(index, failure: true, reason: "it failed on \(workers[id]!.name): \(error)", error: error)
        case .bye(let sentReason):
            let reason = PrintableText.escaped(sentReason, maximumBytes: WireProtocol.maximumTextBytes)
            let worker = workers.removeValue(forKey: id)!
            logger.info("worker \(worker.name) left: \(reason)")
            for index in worker.held { lose(index, failure: false, reason: "its worker \(worker.name) left (\(reason))") }
        case .hello, .welcome, .assign, .resume, .cancel, .shutdown:
            reject("\(message.command) sent to the coordinator")
        }
    }

    /// HELLO: a new worker joins; one greeting again (it found us silent) keeps its trials.
    mutating func greeted(by id: [UInt8], host sentHost: String, pid: Int, version sentVersion: String, now: ContinuousClock.Instant) {
        // What a peer says of itself goes to the log, the journal and trials.csv: control
        // characters escaped (an ESC would act on the terminal, a TAB or line break split a
        // line), and short.
        let host = PrintableText.escaped(sentHost, maximumBytes: WireProtocol.maximumNameBytes)
        let version = PrintableText.escaped(sentVersion, maximumBytes: WireProtocol.maximumNameBytes)
        guard workers[id] != nil || workers.count < Coordinator.maximumWorkers else {
            reject("greeting beyond \(Coordinator.maximumWorkers) workers")
            return
        }
        workers[id]?.lastSeen = now
        if workers[id] == nil {
            workers[id] = Coordinator.WorkerState(host: host, pid: pid, lastSeen: now, lastSent: now)
            logger.debug("worker \(host)/\(pid) joined")
        }
        if version != DepthFarmVersion.current {
            logger.warning("worker \(host)/\(pid) runs depthfarm \(version), this coordinator \(DepthFarmVersion.current)")
        }
        send(welcome, to: id)
    }

    /// METRICS: a batch of the running attempt's rows, stored in order; the search sees its
    /// per-epoch values.
    mutating func receivedMetrics(_ trial: UInt64, _ attempt: Int, sequence: Int, packed: [UInt8], from id: [UInt8], now: ContinuousClock.Instant) {
        guard let index = current(trial, attempt, from: id) else { return }
        guard sequence == trials[index].batches else {
            reject("METRICS out of sequence")
            return
        }
        let records = WireProtocol.records(packed)
        do {
            try store.appendMetrics(index, attempt: attempt, records: records)
        } catch let error as ResultStore.TrialTooLarge {
            // It would write as much again on any worker: no retry.
            send(.cancel(trial: trial, attempt: attempt), to: id)
            lose(index, failure: true, reason: error.description, final: true)
            return
        } catch {
            fatal = error
            return
        }
        trials[index].batches += 1
        trials[index].lastHeard = now
        for record in records where record.step == nil {
            trials[index].epochReached = max(trials[index].epochReached, record.epoch)
            if record.metric == plan.sweep.metric && record.lag == nil { trials[index].latestValue = record.value }
        }
        if let metric = scheduler.observedMetric {
            // One value per epoch, in order, up to the trial's epochs: what a peer sends cannot grow it further.
            let epochs = plan.configurations[Int(plan.trials[index].configuration)].epochs
            for record in records where record.metric == metric && record.step == nil && record.lag == nil
                && record.epoch == trials[index].epochValues.count + 1 && record.epoch <= epochs {
                trials[index].epochValues.append(record.value)
                scheduler.observe(trial: index, epoch: record.epoch, value: record.value)
            }
        }
    }

    /// DONE: the attempt ended — complete (its rows become the trial's), paused at a rung, or
    /// lost if batches are missing.
    mutating func receivedDone(_ trial: UInt64, _ attempt: Int, batches: Int, outcome: TrialOutcome, from id: [UInt8], now: ContinuousClock.Instant) {
        guard let index = current(trial, attempt, from: id) else { return }
        release(index, from: id, now: now)
        guard batches == trials[index].batches else {
            lose(index, failure: true, reason: "\(trials[index].batches) of its \(batches) metric batches arrived")
            return
        }
        if outcome.status == .paused {
            guard store.checkpointEpoch(index) == outcome.epochsCompleted, scheduler.epochLimit(trial: index) == outcome.epochsCompleted else {
                lose(index, failure: true, reason: "it paused at epoch \(outcome.epochsCompleted) without the checkpoint asked for")
                return
            }
            pause(index, epoch: outcome.epochsCompleted)
            return
        }
        let t = trials[index]
        do {
            try store.completeAttempt(index, entry: Journal.Entry(kind: .done, trial: trial, attempt: attempt, failures: t.failures,
                                                                   outcome: outcome, rows: nil, error: nil, host: workers[id]!.host,
                                                                   started: t.started, finished: Self.unixTime()))
        } catch {
            fatal = error
            return
        }
        finish(index, status: outcome.status == .diverged ? .diverged : .completed)
    }

    /// Tells every worker to leave — those dropped as dead too, in case they are alive after all.
    mutating func shutdownAll(reason: String) {
        for id in Array(workers.keys) + droppedWorkers.subtracting(workers.keys) { send(.shutdown(reason: reason), to: id) }
    }

    var welcome: WireMessage {
        .welcome(session: session, heartbeatMilliseconds: options.heartbeatMilliseconds, liveness: options.liveness)
    }

    /// The trial index of `trial` if `attempt` is its current attempt and `worker` runs it;
    /// otherwise counts the message as stale and returns nil.
    mutating func current(_ trial: UInt64, _ attempt: Int, from worker: [UInt8]) -> Int? {
        guard let index = store.indexOfTrial[trial] else {
            reject("unknown trial")
            return nil
        }
        let t = trials[index]
        guard t.status == .running, t.attempt == attempt, t.worker == worker else {
            reject("stale attempt")
            return nil
        }
        return index
    }

    /// Takes a trial off its worker; the worker's next trial, if one waits, starts now.
    mutating func release(_ index: Int, from id: [UInt8], now: ContinuousClock.Instant) {
        guard var worker = workers[id], let position = worker.held.firstIndex(of: index) else { return }
        worker.held.remove(at: position)
        if position == 0, let next = worker.held.first {
            trials[next].started = Self.unixTime()
            trials[next].lastHeard = now
        }
        workers[id] = worker
    }

    /// A worker is gone: the trial it was running is a lost attempt, those waiting simply go back.
    mutating func drop(_ worker: Coordinator.WorkerState, reason: String) {
        for (position, index) in worker.held.enumerated() {
            lose(index, failure: position == 0, reason: "its worker \(worker.name) \(reason)")
        }
    }

    /// A message to `id` could not be sent: its connection is gone.
    mutating func unreachable(_ id: [UInt8]) {
        if let worker = workers.removeValue(forKey: id) { drop(worker, reason: "disconnected") }
    }

    // MARK: Trials

    /// Trial `index` stopped where the search asked, with its checkpoint: the search is told.
    mutating func pause(_ index: Int, epoch: Int) {
        store.pauseAttempt(index)
        trials[index].status = .paused
        trials[index].worker = nil
        trials[index].pausedAt = epoch
        scheduler.paused(trial: index, epoch: epoch, epochValues: Array(trials[index].epochValues.prefix(epoch)))
    }

    /// Ends the trials the search pruned where they paused: their checkpoint's rows become
    /// theirs, with the outcome of their last epoch.
    mutating func prune() throws {
        for index in scheduler.takePruned() {
            guard trials[index].status == .paused else { continue }
            let epoch = trials[index].pausedAt
            let records = try store.checkpointRecords(index)
            let last = { (metric: Metric) in records.last { $0.epoch == epoch && $0.metric == metric && $0.lag == nil }?.value }
            var outcome = TrialOutcome(status: .pruned)
            outcome.epochsCompleted = epoch
            (outcome.trainLoss, outcome.trainAccuracy, outcome.testLoss, outcome.testAccuracy) =
                (last(.trainLoss), last(.trainAccuracy), last(.testLoss), last(.testAccuracy))
            let t = trials[index]
            try store.completeFromCheckpoint(index, epoch: epoch, entry: Journal.Entry(kind: .done, trial: plan.trials[index].id, attempt: t.attempt,
                                                                          failures: t.failures, outcome: outcome, rows: nil, error: nil,
                                                                          host: "", started: t.started, finished: Self.unixTime()))
            finish(index, status: .pruned)
        }
    }

    /// Trial `index` will not run again: the scheduler is told its result.
    mutating func finish(_ index: Int, status: TrialStatus) {
        trials[index].status = .finished
        trials[index].worker = nil
        counts.pending -= 1
        counts.add(status)
        scheduler.finished(trial: index, status: status, epochValues: status == .failed ? [] : trials[index].epochValues)
        let configuration = Int(plan.trials[index].configuration)
        if status == .completed, trials[index].epochReached == plan.configurations[configuration].epochs, let value = trials[index].latestValue {
            standings.add(configuration: configuration, final: value)
        }
        trials[index].epochValues = []
        lastFinished.append(index)
        if lastFinished.count > 2 * LiveStatus.recentFinished { lastFinished.removeFirst(lastFinished.count - LiveStatus.recentFinished) }
    }

    /// The current attempt of a running trial is lost: the trial goes back to the queue, or fails
    /// for good once `maximumAttempts` attempts failed (or at once if `final`).
    mutating func lose(_ index: Int, failure: Bool, reason: String, error: String? = nil, final: Bool = false) {
        var t = trials[index]
        guard t.status == .running else { return }
        if let worker = t.worker { release(index, from: worker, now: ContinuousClock.now) }
        store.abandonAttempt(index)
        t.worker = nil
        t.epochValues = []
        if failure { t.failures += 1 }
        let id = SweepPlan.hex(plan.trials[index].id)
        if let epoch = store.checkpointEpoch(index) { logger.info("trial \(id) will resume from its checkpoint after epoch \(epoch)") }
        if t.failures >= options.maximumAttempts || final {
            trials[index] = t
            logger.warning("trial \(id) failed: \(reason) (attempt \(t.attempt)\(final ? ", not retried" : " of \(options.maximumAttempts)"))")
            store.recordFailure(index, entry: Journal.Entry(kind: .failed, trial: plan.trials[index].id, attempt: t.attempt,
                                                            failures: t.failures, outcome: nil, rows: nil, error: error ?? reason, host: "",
                                                            started: t.started, finished: Self.unixTime()))
            finish(index, status: .failed)
        } else {
            t.status = .pending
            trials[index] = t
            retries.push(index)
            logger.info("trial \(id) goes back to the queue: \(reason)")
        }
    }

    /// Takes what the scheduler hands out into `ready`, up to `Coordinator.readyAhead` trials
    /// (more come as these are handed out: a million-trial grid does not queue every trial before
    /// the first runs). Trials the journal already records as complete (a resumed sweep) are not
    /// run again: the scheduler is told their results at once, in index order, which is how its
    /// state is rebuilt (see `Scheduler`).
    mutating func refill() throws {
        while ready.count < Coordinator.readyAhead, let index = scheduler.next(store) {
            if trials.count < plan.trials.count {
                counts.pending += plan.trials.count - trials.count
                trials.append(contentsOf: repeatElement(Coordinator.TrialState(), count: plan.trials.count - trials.count))
            }
            if let limit = scheduler.epochLimit(trial: index), let epoch = store.checkpointEpoch(index), epoch >= limit, !store.isComplete(index) {
                // It has been there (this run, or a run this one resumes): no need to run. (A
                // checkpoint beyond the rung is from a run before a restart; the rung is the same.)
                trials[index].epochValues = try observedValues(store.checkpointRecords(index))
                trials[index].status = .paused
                trials[index].pausedAt = limit
                scheduler.paused(trial: index, epoch: limit, epochValues: Array(trials[index].epochValues.prefix(limit)))
                continue
            }
            guard store.isComplete(index) else {
                trials[index].status = .pending
                ready.push(index)  // pending, or failed in an earlier run: tried again
                continue
            }
            trials[index].status = .finished
            var values: [Double] = [], final: Double?
            let status = store.status(index)
            let configuration = Int(plan.trials[index].configuration), epochs = plan.configurations[configuration].epochs
            try store.forEachRecord(of: index, perEpochOnly: true) { record in
                guard record.lag == nil else { return }
                if record.metric == scheduler.observedMetric { values.append(record.value) }
                if record.metric == plan.sweep.metric && record.epoch == epochs { final = record.value }
            }
            scheduler.finished(trial: index, status: status, epochValues: values)
            if status == .completed, let final { standings.add(configuration: configuration, final: final) }
        }
        if let error = store.replayError { throw error }
        try prune()
        store.record(scheduler.takeDecisions())
    }

    /// The observed metric at each epoch's end, from per-epoch records.
    func observedValues(_ records: [MetricRecord]) -> [Double] {
        guard let metric = scheduler.observedMetric else { return [] }
        return records.filter { $0.metric == metric && $0.step == nil && $0.lag == nil }.map(\.value)
    }

    /// Hands trials to workers that asked for them: lost attempts first, then the scheduler's.
    mutating func dispatch(now: ContinuousClock.Instant) throws {
        try refill()
        while !(retries.isEmpty && ready.isEmpty), let id = idle.pop() {
            guard let worker = workers[id], worker.credits > 0 else { continue }
            let index = retries.pop() ?? ready.pop()!
            var t = trials[index]
            t.attempt += 1
            t.status = .running
            t.worker = id
            t.batches = 0
            t.started = Self.unixTime()  // restarted when it reaches the head of the worker's trials
            t.lastHeard = now
            trials[index] = t
            workers[id]!.held.append(index)
            workers[id]!.credits -= 1
            try store.startAttempt(index, attempt: t.attempt)
            // A trial with a checkpoint resumes from it: its values so far are the checkpoint's.
            let resumed = try store.checkpointRecords(index)
            trials[index].epochValues = observedValues(resumed)
            trials[index].epochReached = resumed.last { $0.step == nil }?.epoch ?? 0
            trials[index].latestValue = resumed.last { $0.step == nil && $0.lag == nil && $0.metric == plan.sweep.metric }?.value
            let trial = plan.trials[index]
            let pieces = try store.checkpointPieces(index)
            send(.assign(trial: trial.id, attempt: t.attempt, configuration: configurationJSON(of: trial),
                         until: scheduler.epochLimit(trial: index) ?? 0, checkpointEvery: options.checkpointEvery ?? 0,
                         resumeEpoch: store.checkpointEpoch(index) ?? 0, resumeChunks: pieces.count), to: id)
            for (piece, bytes) in pieces.enumerated() { send(.resume(trial: trial.id, attempt: t.attempt, index: piece, bytes: bytes), to: id) }
        }
    }

    /// The canonical JSON of a trial's configuration.
    mutating func configurationJSON(of trial: SweepPlan.Trial) -> String {
        if configurationText?.index != trial.configuration {
            let parts = plan.configurations[Int(trial.configuration)].canonicalJSONParts()
            configurationText = (trial.configuration, parts.beforeSeed, parts.afterSeed)
        }
        let (_, prefix, suffix) = configurationText!
        return prefix + String(trial.seed) + suffix
    }

    mutating func send(_ message: WireMessage, to id: [UInt8]) {
        outbox.append((id, message))
    }

    /// The loop sent `id` a message.
    mutating func sent(to id: [UInt8], now: ContinuousClock.Instant) {
        workers[id]?.lastSent = now
    }

    mutating func reject(_ reason: String) {
        rejected[reason, default: 0] += 1
        rejectedSinceReport[reason, default: 0] += 1
    }

    /// Logs what was dropped or refused since the last report.
    mutating func report(now: ContinuousClock.Instant, refusals: String?) {
        lastReport = now
        if !rejectedSinceReport.isEmpty {
            let total = rejectedSinceReport.values.reduce(0, +)
            let reasons = rejectedSinceReport.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }
            logger.warning("dropped \(total) message\(total == 1 ? "" : "s"): \(reasons.joined(separator: ", "))")
            rejectedSinceReport = [:]
        }
        if let refusals { logger.warning("\(refusals)") }
        if !handshakeFailures.isEmpty {
            let total = handshakeFailures.values.reduce(0, +)
            let peers = handshakeFailures.keys.sorted().joined(separator: ", ")
            logger.warning("\(total) CURVE handshake\(total == 1 ? "" : "s") failed on \(peers) (peers without CURVE, or with the wrong server key)")
            handshakeFailures = [:]
        }
    }

    /// Whether a reply to a stranger may be sent now (and takes its token).
    mutating func mayReplyToStranger(now: ContinuousClock.Instant) -> Bool {
        strangerReplies = min(100, strangerReplies + seconds(now - lastRefill) * 100)
        lastRefill = now
        guard strangerReplies >= 1 else { return false }
        strangerReplies -= 1
        return true
    }

    // MARK: Housekeeping

    /// Heartbeats, dead workers, timed-out trials, and group commits.
    mutating func housekeeping(now: ContinuousClock.Instant) throws {
        if let fatal { throw fatal }
        let interval = Duration.milliseconds(options.heartbeatMilliseconds)
        let deadline = interval * options.liveness
        let busy = now - lastHousekeeping - interval
        if busy > .zero {
            // This coordinator was busy, not listening (their messages wait in its queue): that
            // time does not count as its workers' silence.
            for id in workers.keys { workers[id]!.lastSeen = min(now, workers[id]!.lastSeen + busy) }
            for index in trials.indices where trials[index].status == .running {
                trials[index].lastHeard = min(now, trials[index].lastHeard + busy)
            }
        }
        lastHousekeeping = now
        if finishedSamples.last.map({ now - $0.time >= .seconds(1) }) ?? true {
            finishedSamples.append((now, counts.finished))
            finishedSamples.removeAll { now - $0.time > .seconds(30) }
        }
        for (id, worker) in workers {
            if now - worker.lastSeen > deadline {
                workers.removeValue(forKey: id)
                if droppedWorkers.count < Coordinator.maximumWorkers { droppedWorkers.insert(id) }
                logger.warning("worker \(worker.name) is silent for \(options.liveness) heartbeats: dropped")
                drop(worker, reason: "died")
            } else if now - worker.lastSent >= interval {
                send(.heartbeat, to: id)
            }
        }
        if let timeout = options.trialTimeout {
            // Only the trial each worker runs; one waiting behind it has not started.
            for worker in workers.values {
                guard let index = worker.held.first else { continue }
                let t = trials[index]
                guard seconds(now - t.lastHeard) > timeout, let worker = t.worker else { continue }
                send(.cancel(trial: plan.trials[index].id, attempt: t.attempt), to: worker)
                lose(index, failure: true, reason: "it sent nothing for \(timeout) s (the trial timeout)")
            }
        }
        if store.hasUncommitted && (now - lastCommit > .milliseconds(50) || counts.finished == trials.count) {
            try store.commit()
            lastCommit = now
        }
    }

    func progressLine(now: ContinuousClock.Instant) -> String {
        let total = trials.count
        // Trials a worker is running now (not those handed out to wait behind them).
        let running = workers.values.filter { !$0.held.isEmpty }.count
        let elapsed = seconds(now - started), rate = recentRate(now: now)
        var line = "[\(counts.finished)/\(total)] \(Coordinator.duration(elapsed)), running \(running), workers \(workers.count), failed \(counts.failed), diverged \(counts.diverged)"
        if counts.pruned > 0 { line += ", pruned \(counts.pruned)" }
        line += ", \(Self.format(rate)) trials/s"
        if rate > 0 && counts.finished < total { line += ", ETA \(Coordinator.duration(Double(total - counts.finished) / rate))" }
        return line
    }

    /// The progress on a terminal: the progress line, the best configuration so far, and a table
    /// of the trials running now and of the top configurations (a few rows of each).
    func progressBlock(now: ContinuousClock.Instant) -> String {
        var lines = [progressLine(now: now)]
        var standings = standings
        let ranked = standings.ranked()
        let metric = plan.sweep.metric.rawValue
        if let best = ranked.first { lines.append("best so far: " + describe(best)) }
        let running = workers.values.compactMap(\.held.first).sorted().prefix(4)
        if !running.isEmpty {
            var table = [["running", "trial", "seed", "epoch", metric, "worker", "configuration"]]
            for index in running {
                let t = trials[index], trial = plan.trials[index], configuration = Int(trial.configuration)
                table.append(["", SweepPlan.hex(trial.id), String(trial.seed), "\(t.epochReached)/\(plan.configurations[configuration].epochs)",
                              t.latestValue.map { SignificantDigits.format($0, digits: 4) } ?? "", t.worker.flatMap { workers[$0]?.name } ?? "",
                              configurationText(configuration)])
            }
            lines += TextTable.aligned(table)
        }
        if !ranked.isEmpty {
            var table = [["top", "rank", plan.sweep.aggregate == .mean ? metric : "\(metric) (\(plan.sweep.aggregate.rawValue))", "95% CI", "n", "configuration"]]
            for (rank, standing) in ranked.prefix(3).enumerated() {
                table.append(["", String(rank + 1), SignificantDigits.format(standing.score, digits: 4), Self.interval(standing.interval), String(standing.count),
                              configurationText(standing.configuration)])
            }
            lines += TextTable.aligned(table)
        }
        return lines.joined(separator: "\n")
    }

    /// The progress line with the best configuration so far, for a log or a pipe.
    func plainProgressLine(now: ContinuousClock.Instant) -> String {
        var standings = standings
        return progressLine(now: now) + (standings.ranked().first.map { "; best " + describe($0) } ?? "")
    }

    /// `test_acc 0.9997 [0.9995, 0.9999] (n 8): method=bptt hidden=32`
    func describe(_ standing: Standings.Standing) -> String {
        let interval = standing.interval == nil ? "" : " " + Self.interval(standing.interval)
        return "\(plan.sweep.metric.rawValue) \(SignificantDigits.format(standing.score, digits: 4))\(interval) (n \(standing.count))"
            + (plan.variedParameters.isEmpty ? "" : ": " + configurationText(standing.configuration))
    }

    func configurationText(_ configuration: Int) -> String { SweepStatus.configurationText(plan, configuration) }

    static func interval(_ interval: (low: Double, high: Double)?) -> String {
        interval.map { "[\(SignificantDigits.format($0.low, digits: 4)), \(SignificantDigits.format($0.high, digits: 4))]" } ?? ""
    }

    /// Trials per second over the last half minute (since the start, early on): a cumulative
    /// rate lags behind a sweep whose trials change length.
    func recentRate(now: ContinuousClock.Instant) -> Double {
        let (window, before) = finishedSamples.first.map { (seconds(now - $0.time), $0.finished) } ?? (seconds(now - started), finishedAtStart)
        return window > 0 ? Double(counts.finished - before) / window : 0
    }

    static func format(_ rate: Double) -> String {
        rate >= 100 ? String(Int(rate.rounded())) : String(Double(Int(rate * 10)) / 10)
    }

    static func unixTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}

extension Coordinator {
    /// A duration for people: 42s, 3m7s, 2h5m.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
