import Glibc
import Logging

/// What a worker's state drives: the link to its coordinator and its training thread. The
/// worker's sockets in a run (`Worker.Sockets`), a recorder in the tests.
protocol WorkerPort {
    /// Queues a message for the coordinator; false when it cannot be queued now (the link is
    /// down and its queue full).
    func send(_ message: WireMessage) -> Bool
    /// Queues a message from the training thread for the coordinator, as it came.
    func forward(_ frames: [[UInt8]]) -> Bool
    /// Hands an assignment to the training thread.
    func train(_ job: Worker.Job) throws
    /// Cancels every assignment of the training thread up to `generation`.
    func cancel(upTo generation: Int)
}

extension Worker {
    /// A trial given to this worker: running on the training thread, or waiting its turn.
    struct Job: Equatable {
        /// Numbers assignments in the order they came, for cancelling on the training thread.
        let generation: Int
        let trial: UInt64
        let attempt: Int
        /// The ASSIGN message, for the training thread.
        let message: [[UInt8]]
        var cancelled = false
        /// The pieces of the checkpoint it resumes from: how many, and those come so far.
        var resumeChunks = 0
        var pieces: [[UInt8]] = []

        /// Whether it can start: every piece of its checkpoint is here.
        var isReady: Bool { pieces.count == resumeChunks }

        /// What the training thread is sent: the generation, the ASSIGN and the checkpoint, whole.
        var frames: [[UInt8]] {
            [Array(String(generation).utf8)] + message + (resumeChunks > 0 ? [pieces.flatMap { $0 }] : [])
        }
    }

    /// Trials shorter than this make the worker ask for the next one while it runs the current,
    /// hiding the round trip to the coordinator; longer ones are asked for one at a time, so that
    /// no trial waits behind a long one while another worker is free.
    static let pipelineBelow = Duration.seconds(1)

    /// Everything a worker knows and decides: whether it is welcome, which trial runs and which
    /// waits, what it asked for, when it last heard from its coordinator. The loop in `Worker.run`
    /// feeds it messages and time; it acts through a `WorkerPort`.
    struct State {
        let options: WorkerOptions
        let logger: Logger

        // The link to the coordinator.
        /// The session of the coordinator that welcomed us, while it is answering.
        var session: UInt64?
        /// The session of the last coordinator that welcomed us, kept through silences: a
        /// different one means the coordinator restarted and the running trial is void.
        var knownSession: UInt64?
        /// A HELLO is out and unanswered; it is repeated every `liveness` heartbeats.
        var awaitingWelcome = false
        var helloSent: ContinuousClock.Instant
        /// The coordinator's heartbeat settings, from its WELCOME.
        var heartbeat = Duration.milliseconds(WireProtocol.defaultHeartbeatMilliseconds)
        var liveness = WireProtocol.defaultLiveness
        /// When the coordinator was last heard from, and last sent anything.
        var lastSeen: ContinuousClock.Instant
        var lastSent: ContinuousClock.Instant
        /// Since when no coordinator has been answering (for `patience`); nil while one is.
        var aloneSince: ContinuousClock.Instant?
        /// When the worker last said it is waiting for a coordinator: a minute later it says so
        /// again, so that a worker started before its coordinator is not silent for an hour.
        var lastWaitingNote: ContinuousClock.Instant?
        /// READYs sent and not yet answered with a trial.
        var credits = 0

        // The trials.
        /// The trial on the training thread.
        var job: Job?
        /// The next trial, given while `job` runs.
        var waiting: Job?
        /// The generation of the last assignment.
        var generation = 0
        /// The training thread has said READY since it was last given a trial.
        var trainerIdle = true
        /// The last trial was short: keep a second one given or asked for.
        var pipeline = false
        /// When `job` started.
        var jobStarted: ContinuousClock.Instant
        /// A message from the training thread that the coordinator's queue could not take yet;
        /// the training thread is not read until it is sent.
        var held: [[UInt8]]?

        init(options: WorkerOptions, logger: Logger, now: ContinuousClock.Instant) {
            self.options = options
            self.logger = logger
            helloSent = now
            lastSeen = now
            lastSent = now
            aloneSince = now
            jobStarted = now
        }

        var deadline: Duration { heartbeat * liveness }

        // MARK: Actions

        mutating func send(_ message: WireMessage, now: ContinuousClock.Instant, port: some WorkerPort) -> Bool {
            guard port.send(message) else { return false }
            lastSent = now
            return true
        }

        /// Says HELLO, and waits for the WELCOME.
        mutating func greet(now: ContinuousClock.Instant, port: some WorkerPort) {
            awaitingWelcome = true
            helloSent = now
            credits = 0
            _ = send(.hello(host: options.host, pid: Int(getpid()), version: DepthFarmVersion.current), now: now, port: port)
        }

        /// Drops the waiting trial and cancels the running one.
        mutating func cancelJobs(port: some WorkerPort) {
            waiting = nil
            guard var current = job, !current.cancelled else { return }
            current.cancelled = true
            job = current
            port.cancel(upTo: current.generation)
        }

        mutating func start(_ next: Job, now: ContinuousClock.Instant, port: some WorkerPort) throws {
            job = next
            trainerIdle = false
            jobStarted = now
            try port.train(next)
        }

        /// Stopped by a signal: hand everything back.
        mutating func stop(port: some WorkerPort) {
            cancelJobs(port: port)
            _ = port.send(.bye(reason: "stopped by signal"))
        }

        // MARK: From the coordinator

        /// Handles a message from the coordinator; returns an exit status when the worker should end.
        mutating func received(_ message: WireMessage, now: ContinuousClock.Instant, port: some WorkerPort) throws -> Int32? {
            lastSeen = now
            switch message {
            case .welcome(let session, let milliseconds, let liveness):
                if knownSession != nil && knownSession != session { cancelJobs(port: port) }  // a restarted coordinator
                if awaitingWelcome {
                    awaitingWelcome = false
                    if self.session == nil { logger.info("working for the coordinator at \(options.endpoint)") }
                    self.session = session
                    knownSession = session
                    heartbeat = .milliseconds(milliseconds)
                    self.liveness = liveness
                    aloneSince = nil
                    lastWaitingNote = nil
                    credits = 0
                } else if now - helloSent > deadline {
                    // Unasked: a coordinator that does not know us (it declared us dead, or it
                    // restarted) asks us to greet it. Whatever we run it has given to another.
                    // (A WELCOME soon after a HELLO answers a repeated greeting: nothing to do.)
                    logger.notice("the coordinator at \(options.endpoint) does not know this worker; greeting it again")
                    cancelJobs(port: port)
                    self.session = nil
                    greet(now: now, port: port)
                }
            case .assign(let trial, let attempt, _, _, _, _, let resumeChunks):
                credits = max(0, credits - 1)
                guard session != nil, waiting == nil else {
                    logger.warning("ignoring an assignment while busy")
                    return nil
                }
                generation += 1
                let next = Job(generation: generation, trial: trial, attempt: attempt, message: message.encode(), resumeChunks: resumeChunks)
                if trainerIdle && job == nil && next.isReady { try start(next, now: now, port: port) } else { waiting = next }
            case .resume(let trial, let attempt, let index, let bytes):
                // The checkpoint of the waiting assignment, piece by piece, in order.
                guard var next = waiting, next.trial == trial, next.attempt == attempt, index == next.pieces.count, !next.isReady else { return nil }
                next.pieces.append(bytes)
                waiting = next
                if next.isReady && trainerIdle && job == nil {
                    waiting = nil
                    try start(next, now: now, port: port)
                }
            case .cancel(let trial, let attempt):
                if let next = waiting, next.trial == trial, next.attempt == attempt {
                    waiting = nil
                } else if let current = job, current.trial == trial, current.attempt == attempt {
                    let next = waiting
                    cancelJobs(port: port)
                    waiting = next
                }
            case .shutdown(let reason):
                cancelJobs(port: port)
                guard options.stay else {
                    logger.info("coordinator: \(reason)")
                    return 0
                }
                logger.info("coordinator: \(reason); waiting for the next one")
                // Greet again after a while, when the next coordinator may be there.
                session = nil
                credits = 0
                awaitingWelcome = true
                helloSent = now
            case .heartbeat:
                break
            case .hello, .ready, .metrics, .done, .failed, .bye, .checkpoint:
                break  // not for a worker
            }
            return nil
        }

        // MARK: From the training thread

        /// Sends the held message if the coordinator's queue takes it now.
        mutating func flushHeld(now: ContinuousClock.Instant, port: some WorkerPort) {
            guard let frames = held, port.forward(frames) else { return }
            lastSent = now
            held = nil
        }

        /// Handles a message from the training thread: its results go to the coordinator (unless
        /// the attempt was cancelled), its READY starts the waiting trial.
        mutating func fromTrainer(_ frames: [[UInt8]], now: ContinuousClock.Instant, port: some WorkerPort) throws {
            guard let message = try? WireMessage.decode(frames) else { return }
            switch message {
            case .ready:
                trainerIdle = true
                if let finished = job, !finished.cancelled { pipeline = now - jobStarted < Worker.pipelineBelow }
                job = nil
                if let next = waiting, next.isReady {
                    waiting = nil
                    try start(next, now: now, port: port)
                }
            case .metrics(let trial, let attempt, _, _), .done(let trial, let attempt, _, _), .failed(let trial, let attempt, _),
                 .checkpoint(let trial, let attempt, _, _, _, _):
                guard let current = job, !current.cancelled, current.trial == trial, current.attempt == attempt else { return }
                if port.forward(frames) {
                    lastSent = now
                } else {
                    held = frames  // the coordinator's queue is full: hold the trainer back
                }
            default:
                return
            }
        }

        // MARK: Housekeeping

        /// Asks for work, keeps the link alive, notices a silent coordinator, and gives up in the
        /// end (returning the exit status).
        mutating func housekeeping(now: ContinuousClock.Instant, port: some WorkerPort) -> Int32? {
            if session != nil {
                // Keep one trial (two, for short trials) given or asked for.
                let holding = (job == nil ? 0 : 1) + (waiting == nil ? 0 : 1)
                while held == nil && holding + credits < (pipeline ? 2 : 1) && send(.ready, now: now, port: port) { credits += 1 }
                if now - lastSeen > deadline {
                    logger.warning("coordinator at \(options.endpoint) is silent; greeting it again")
                    session = nil
                    aloneSince = now
                    greet(now: now, port: port)
                } else if now - lastSent >= heartbeat {
                    _ = send(.heartbeat, now: now, port: port)
                }
            } else if awaitingWelcome && now - helloSent > deadline {
                greet(now: now, port: port)
            }
            // Past the first greeting's deadline: the coordinator is not there (yet).
            if session == nil, let since = aloneSince, now - since > deadline, lastWaitingNote.map({ now - $0 >= .seconds(60) }) ?? true {
                let waited = Int(seconds(now - since))
                logger.notice("waiting for a coordinator at \(options.endpoint) (\(waited) s so far\(options.patience.map { "; leaving after \(Int($0)) s" } ?? ""))")
                lastWaitingNote = now
            }
            if session == nil, let since = aloneSince, let patience = options.patience, seconds(now - since) > patience {
                logger.error("no coordinator at \(options.endpoint) for \(Int(patience)) s: leaving")
                return WorkerOptions.noCoordinatorExitStatus
            }
            return nil
        }
    }
}
