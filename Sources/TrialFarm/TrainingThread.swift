import Foundation
import TrainingCore
import ZeroMQ

/// The worker's training thread: takes assignments from its PAIR socket — the generation, the
/// ASSIGN message's frames and, to resume, the checkpoint's bytes — runs them with `Trial`, and
/// sends back metric batches as they fill (every 4096 records or 250 ms), the checkpoints the
/// assignment asks for (after the metric batches of their epochs, in pieces), then DONE — or
/// FAILED with the error as text — and READY. A cancelled attempt sends only READY.
struct TrainingThread {
    let context: Context
    let endpoint: String
    let cancellation: Cancellation

    static let batchRecords = 4096
    static let batchInterval = Duration.milliseconds(250)

    /// Fault injection for tests: `DEPTHFARM_SLOW_WINDOW_MS=N` makes every window take N ms longer,
    /// so that tests can catch a trial mid-way, or make one hang (see README, "Testing aids").
    static let windowDelay: Duration? = ProcessInfo.processInfo.environment["DEPTHFARM_SLOW_WINDOW_MS"]
        .flatMap(Int.init).map { .milliseconds($0) }

    /// An assignment as the training thread gets it.
    struct Assignment {
        let generation: Int
        let trial: UInt64
        let attempt: Int
        let configuration: String
        let until: Int
        let checkpointEvery: Int
        /// The checkpoint to resume from, whole.
        let checkpoint: [UInt8]?
    }

    func run() {
        guard let socket = try? Socket(context, .pair) else { return }
        try? socket.setLinger(milliseconds: 0)
        guard (try? socket.connect(endpoint)) != nil else { return }
        var configurations = ConfigurationCache()
        while true {
            // The worker is gone (context terminated) or said so.
            guard let (frames, _) = try? socket.receive(wait: true), let assignment = Self.assignment(frames) else { return }
            let result = train(assignment, socket: socket, configurations: &configurations)
            if let result, !cancellation.isCancelled(assignment.generation) { _ = try? socket.send(result.encode(), wait: true) }
            _ = try? socket.send(WireMessage.ready.encode(), wait: true)
        }
    }

    /// Reads `[generation] [ASSIGN frames …] [checkpoint]?`; nil for anything else.
    static func assignment(_ frames: [[UInt8]]) -> Assignment? {
        guard frames.count >= 2, let generation = Int(String(decoding: frames[0], as: UTF8.self)) else { return nil }
        let assignFrames = Array(frames.dropFirst().prefix(9))
        guard case .assign(let trial, let attempt, let configuration, let until, let every, _, let chunks)? = try? WireMessage.decode(assignFrames)
        else { return nil }
        let checkpoint = chunks > 0 && frames.count == 11 ? frames[10] : nil
        return Assignment(generation: generation, trial: trial, attempt: attempt, configuration: configuration, until: until,
                          checkpointEvery: every, checkpoint: checkpoint)
    }

    /// Runs one assignment; returns its DONE or FAILED message (nil when cancelled).
    func train(_ assignment: Assignment, socket: Socket, configurations: inout ConfigurationCache) -> WireMessage? {
        let (trial, attempt, generation) = (assignment.trial, assignment.attempt, assignment.generation)
        let prepared: Trial
        var checkpoint: TrialCheckpoint?
        do {
            let (config, canonical) = try configurations.read(assignment.configuration)
            guard SweepPlan.id(canonical) == trial else {
                return .failed(trial: trial, attempt: attempt, error: "the configuration does not hash to the trial id")
            }
            prepared = try Trial(config)
            if let bytes = assignment.checkpoint {
                guard let read = TrialCheckpoint(bytes: bytes) else { return .failed(trial: trial, attempt: attempt, error: "the checkpoint is not one") }
                checkpoint = read
            }
        } catch {
            return .failed(trial: trial, attempt: attempt, error: "cannot run this configuration: \(error)")
        }
        var batch: [UInt8] = []
        batch.reserveCapacity(Self.batchRecords * WireProtocol.recordBytes)
        var count = 0, sequence = 0
        var lastFlush = ContinuousClock.now
        var sendFailed = false
        func send(_ message: WireMessage) {
            if (try? socket.send(message.encode(), wait: true)) != true { sendFailed = true }
        }
        func flush() {
            guard count > 0 else { return }
            send(.metrics(trial: trial, attempt: attempt, sequence: sequence, records: batch))
            sequence += 1
            count = 0
            batch.removeAll(keepingCapacity: true)
            lastFlush = ContinuousClock.now
        }
        let outcome: TrialOutcome
        do {
            outcome = try prepared.run(from: checkpoint, until: assignment.until == 0 ? nil : assignment.until,
                                       checkpointEvery: assignment.checkpointEvery == 0 ? nil : assignment.checkpointEvery,
                                       shouldStop: {
                                           if let delay = Self.windowDelay { Self.sleep(delay, unless: { cancellation.isCancelled(generation) }) }
                                           return sendFailed || cancellation.isCancelled(generation)
                                       }, onMetric: { record in
                                           WireProtocol.appendRecord(record, to: &batch)
                                           count += 1
                                           if count >= Self.batchRecords || (count % 64 == 0 && ContinuousClock.now - lastFlush > Self.batchInterval) { flush() }
                                       }, onCheckpoint: { checkpoint in
                                           flush()  // the rows of its epochs go first
                                           let pieces = stride(from: 0, to: checkpoint.bytes.count, by: WireProtocol.checkpointChunkBytes).map {
                                               Array(checkpoint.bytes[$0..<min($0 + WireProtocol.checkpointChunkBytes, checkpoint.bytes.count)])
                                           }
                                           for (index, piece) in pieces.enumerated() {
                                               send(.checkpoint(trial: trial, attempt: attempt, epoch: checkpoint.epoch, index: index,
                                                                count: pieces.count, bytes: piece))
                                           }
                                       })
        } catch {
            return .failed(trial: trial, attempt: attempt, error: "cannot resume: \(error)")
        }
        if outcome.status == .cancelled { return nil }
        flush()
        return .done(trial: trial, attempt: attempt, batches: sequence, outcome: outcome)
    }
}

extension TrainingThread {
    /// Sleeps for `duration` in short steps, waking early when `interrupted` turns true.
    static func sleep(_ duration: Duration, unless interrupted: () -> Bool) {
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end && !interrupted() { usleep(10_000) }
    }
}

extension TrainingThread {
    /// The last configuration read, cut around its seed. A sweep's trials come configuration by
    /// configuration and differ only in their seed, so most ASSIGNs carry the last text with
    /// another seed: matched around the seed, it is not read and written again (reading the JSON
    /// and writing its canonical form were 60% of this thread's time on trivial trials).
    struct ConfigurationCache {
        private var beforeSeed: [UInt8] = [], afterSeed: [UInt8] = []
        private var config: TrialConfig?

        /// The configuration `text` holds, and its canonical JSON (which must hash to the trial id).
        mutating func read(_ text: String) throws -> (config: TrialConfig, canonical: String) {
            if let config, let seed = seed(in: text) {
                // The text is the cached canonical form with this seed: canonical itself.
                var seeded = config
                seeded.seed = seed
                return (seeded, text)
            }
            let read = try TrialConfig(flatJSON: text)
            let parts = read.canonicalJSONParts()
            (beforeSeed, afterSeed, config) = (Array(parts.beforeSeed.utf8), Array(parts.afterSeed.utf8), read)
            return (read, parts.beforeSeed + String(read.seed) + parts.afterSeed)
        }

        /// The seed of `text` if it is the cached text around a seed written as canonical JSON
        /// writes it (decimal digits, no leading zero).
        private func seed(in text: String) -> UInt64? {
            let bytes = text.utf8
            guard bytes.count > beforeSeed.count + afterSeed.count, bytes.starts(with: beforeSeed),
                  bytes.suffix(afterSeed.count).elementsEqual(afterSeed) else { return nil }
            let digits = bytes.dropFirst(beforeSeed.count).dropLast(afterSeed.count)
            guard digits.count <= 20, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                  digits.count == 1 || digits.first != UInt8(ascii: "0") else { return nil }
            return UInt64(String(decoding: digits, as: UTF8.self))
        }
    }
}
