import Testing
import TrainingCore
@testable import TrialFarm

@Suite struct ProtocolTests {
    static var outcome: TrialOutcome {
        var o = TrialOutcome(status: .diverged)
        o.divergedStep = 17
        o.steps = 17
        o.epochsCompleted = 1
        o.trainingSeconds = 0.25
        o.trainLoss = 0.5
        o.testAccuracy = 0.75
        return o
    }

    static var records: [UInt8] {
        var bytes: [UInt8] = []
        for record in [MetricRecord(epoch: 1, step: 10, metric: .gradNorm, lag: 3, value: 0.125),
                       MetricRecord(epoch: 2, step: nil, metric: .testAccuracy, value: .nan),
                       MetricRecord(epoch: 2, step: nil, metric: .stateGradientNorm, lag: 0, value: -.infinity)] {
            WireProtocol.appendRecord(record, to: &bytes)
        }
        return bytes
    }

    static let messages: [WireMessage] = [
        .hello(host: "node-1", pid: 4242, version: "0.1.0"), .ready, .heartbeat,
        .metrics(trial: 0x0123_4567_89ab_cdef, attempt: 2, sequence: 5, records: records),
        .done(trial: 42, attempt: 1, batches: 3, outcome: outcome),
        .done(trial: 42, attempt: 1, batches: 0, outcome: TrialOutcome(status: .completed)),
        .failed(trial: 7, attempt: 3, error: "cannot run this configuration:\nhidden: must be in 1 … 65536"),
        .bye(reason: "SIGTERM"), .welcome(session: .max, heartbeatMilliseconds: 1000, liveness: 3),
        .assign(trial: 9, attempt: 1, configuration: TrialConfig().canonicalJSON(), until: 0, checkpointEvery: 0, resumeEpoch: 0, resumeChunks: 0),
        .assign(trial: 9, attempt: 2, configuration: "{}", until: 3, checkpointEvery: 1, resumeEpoch: 2, resumeChunks: 4),
        .resume(trial: 9, attempt: 2, index: 3, bytes: [1, 2, 3]),
        .checkpoint(trial: 9, attempt: 2, epoch: 3, index: 0, count: 2, bytes: Array(repeating: 7, count: 1000)),
        .cancel(trial: 9, attempt: 1),
        .shutdown(reason: "the sweep is complete"),
    ]

    @Test("every message survives encoding and decoding", arguments: messages)
    func roundTrip(_ message: WireMessage) throws {
        let frames = message.encode()
        #expect(frames[0] == Array("depthfarm/2".utf8) && frames[1] == Array(message.command.utf8))
        let decoded = try WireMessage.decode(frames)
        if case .metrics(_, _, _, let a) = message, case .metrics(_, _, _, let b) = decoded {
            #expect(a == b)  // NaN payloads compare by bytes
        } else {
            #expect(decoded == message)
        }
    }

    @Test("metric records pack into 21 bytes and unpack exactly")
    func records() {
        let unpacked = WireProtocol.records(Self.records)
        #expect(Self.records.count == 63)
        #expect(unpacked[0] == MetricRecord(epoch: 1, step: 10, metric: .gradNorm, lag: 3, value: 0.125))
        #expect(unpacked[1].step == nil && unpacked[1].lag == nil && unpacked[1].value.isNaN && unpacked[1].metric == .testAccuracy)
        #expect(unpacked[2].lag == 0 && unpacked[2].value == -.infinity)
        #expect(Set(WireProtocol.metricCodes).count == Metric.allCases.count)
    }

    static let hello = WireMessage.hello(host: "h", pid: 1, version: "v").encode()

    static let rejected: [([[UInt8]], String)] = [
        ([], "too few frames"),
        ([Array("depthfarm/1".utf8)], "too few frames"),
        ([Array("depthfarm/1".utf8)] + hello.dropFirst(), "wrong protocol or version"),
        ([Array("zmtp".utf8)] + hello.dropFirst(), "wrong protocol or version"),
        (WireMessage.done(trial: 1, attempt: 1, batches: 0, outcome: TrialOutcome(status: .pruned)).encode(), "DONE: status 'pruned'"),
        (WireMessage.checkpoint(trial: 1, attempt: 1, epoch: 1, index: 2, count: 2, bytes: [1]).encode(), "CHECKPOINT: piece 2 of 2, 1 bytes"),
        (WireMessage.checkpoint(trial: 1, attempt: 1, epoch: 1, index: 0, count: 1, bytes: [UInt8](repeating: 0, count: 200_001)).encode(),
         "CHECKPOINT: piece 0 of 1, 200001 bytes"),
        (WireMessage.resume(trial: 1, attempt: 1, index: 0, bytes: []).encode(), "RESUME: 0 bytes"),
        ([hello[0], Array("LAUNCH".utf8)], "unknown command"),
        (Array(hello.dropLast()), "HELLO: 2 fields instead of 3"),
        (hello + [[1]], "HELLO: 4 fields instead of 3"),
        ([hello[0], hello[1], hello[2], Array("-5".utf8), hello[4]], "field 3: not a number in 1 … 2147483647"),
        ([hello[0], hello[1], [0xff, 0xfe], hello[3], hello[4]], "field 2: not UTF-8 text"),
        ([hello[0], hello[1], [UInt8](repeating: 65, count: 5000), hello[3], hello[4]], "field 2: not UTF-8 text of at most 4096 bytes"),
        (Array(WireMessage.metrics(trial: 1, attempt: 1, sequence: 0, records: records).encode().dropLast()) + [[1, 2, 3]],
         "METRICS: records of 3 bytes"),
        (Array(WireMessage.metrics(trial: 1, attempt: 1, sequence: 0, records: records).encode().dropLast())
            + [[UInt8](repeating: 0, count: 21 * 8193)], "METRICS: records of 172053 bytes"),
        (Array(WireMessage.metrics(trial: 1, attempt: 1, sequence: 0, records: records).encode().dropLast())
            + [[UInt8](repeating: 200, count: 21)], "METRICS: unknown metric code 200"),
        ([hello[0], Array("CANCEL".utf8), Array("XYZ".utf8), Array("1".utf8)], "field 2: not a 16-digit hex id"),
        ([hello[0], Array("CANCEL".utf8), Array("0000000000000009".utf8), Array("0".utf8)], "field 3: not a number in 1 … 1000000"),
        ([hello[0], Array("CANCEL".utf8), Array("000000000000000G".utf8), Array("1".utf8)], "field 2: not a 16-digit hex id"),
        (WireMessage.done(trial: 1, attempt: 1, batches: 0, outcome: TrialOutcome(status: .cancelled)).encode(), "DONE: status 'cancelled'"),
        (WireMessage.done(trial: 1, attempt: 1, batches: 0, outcome: TrialOutcome(status: .diverged)).encode(),
         "DONE: diverged_step and status disagree"),
    ]

    @Test("truncated, oversized, wrong-version and unknown messages are refused with a reason", arguments: rejected)
    func rejection(_ frames: [[UInt8]], _ reason: String) {
        #expect(throws: (any Error).self) { try WireMessage.decode(frames) }
        do {
            _ = try WireMessage.decode(frames)
        } catch {
            #expect(error.reason.hasPrefix(reason), "\(error.reason)")
        }
    }

    @Test("random bytes never crash the decoder")
    func fuzz() {
        var random = RandomStream(seed: 3, purpose: .testData)
        let valid = Self.messages.map { $0.encode() }
        for round in 0..<20_000 {
            var frames = valid[round % valid.count]
            switch random.nextBelow(4) {
            case 0:  // flip a bit
                let f = random.nextBelow(frames.count)
                if !frames[f].isEmpty { frames[f][random.nextBelow(frames[f].count)] ^= UInt8(1 << random.nextBelow(8)) }
            case 1:  // truncate a frame
                let f = random.nextBelow(frames.count)
                frames[f] = Array(frames[f].prefix(random.nextBelow(frames[f].count + 1)))
            case 2:  // drop or duplicate a frame
                let f = random.nextBelow(frames.count)
                if random.nextBelow(2) == 0 { frames.remove(at: f) } else { frames.insert(frames[f], at: f) }
            default:  // random frames
                frames = (0..<random.nextBelow(6)).map { _ in (0..<random.nextBelow(40)).map { _ in UInt8(random.nextBelow(256)) } }
            }
            _ = try? WireMessage.decode(frames)
        }
    }
}
