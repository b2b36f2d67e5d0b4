import Foundation
import TrainingCore
import ZeroMQ

/// The worker's training thread: takes assignments from its PAIR socket, runs them with
/// `Trial`, and sends back metric batches as they fill (every 4096 records or 250 ms), then
/// DONE — or FAILED with the error as text — and READY. A cancelled attempt sends only READY.
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

    func run() {
        guard let socket = try? Socket(context, .pair) else { return }
        try? socket.setLinger(milliseconds: 0)
        guard (try? socket.connect(endpoint)) != nil else { return }
        while true {
            guard let (frames, _) = try? socket.receive(wait: true), frames.count >= 2,
                let generation = Int(String(decoding: frames[0], as: UTF8.self)),
                let message = try? WireMessage.decode(Array(frames.dropFirst()))
            else { return }  // the worker is gone (context terminated) or said so
            guard case .assign(let trial, let attempt, let configuration) = message else { return }
            let result = train(trial: trial, attempt: attempt, configuration: configuration, generation: generation, socket: socket)
            if let result, !cancellation.isCancelled(generation) { _ = try? socket.send(result.encode(), wait: true) }
            _ = try? socket.send(WireMessage.ready.encode(), wait: true)
        }
    }

    /// Runs one assignment; returns its DONE or FAILED message (nil when cancelled).
    func train(trial: UInt64, attempt: Int, configuration: String, generation: Int, socket: Socket) -> WireMessage? {
        let config: TrialConfig
        let prepared: Trial
        do {
            config = try TrialConfig(flatJSON: configuration)
            guard SweepPlan.id(config.canonicalJSON()) == trial else {
                return .failed(trial: trial, attempt: attempt, error: "the configuration does not hash to the trial id")
            }
            prepared = try Trial(config)
        } catch {
            return .failed(trial: trial, attempt: attempt, error: "cannot run this configuration: \(error)")
        }
        var batch: [UInt8] = []
        batch.reserveCapacity(Self.batchRecords * WireProtocol.recordBytes)
        var count = 0, sequence = 0
        var lastFlush = ContinuousClock.now
        var sendFailed = false
        func flush() {
            guard count > 0 else { return }
            let message = WireMessage.metrics(trial: trial, attempt: attempt, sequence: sequence, records: batch)
            if (try? socket.send(message.encode(), wait: true)) != true { sendFailed = true }
            sequence += 1
            count = 0
            batch.removeAll(keepingCapacity: true)
            lastFlush = ContinuousClock.now
        }
        let outcome = prepared.run(shouldStop: {
            if let delay = Self.windowDelay { Self.sleep(delay, unless: { cancellation.isCancelled(generation) }) }
            return sendFailed || cancellation.isCancelled(generation)
        }) { record in
            WireProtocol.appendRecord(record, to: &batch)
            count += 1
            if count >= Self.batchRecords || (count % 64 == 0 && ContinuousClock.now - lastFlush > Self.batchInterval) { flush() }
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
