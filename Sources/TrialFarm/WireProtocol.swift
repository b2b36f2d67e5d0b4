import TrainingCore

/// The wire between coordinator and workers: the single definition in code of what PROTOCOL.md
/// describes. A message is a ZeroMQ multipart message of frames:
///
///     [protocol "depthfarm/2"] [command] [fields …]
///
/// (behind the routing-id frame that the coordinator's ROUTER adds and strips). Text fields are
/// UTF-8, numbers are decimal ASCII, ids are 16 lower-case hex digits, and metric records travel
/// as packed binary. Decoding is strict and bounded: wrong protocol, unknown command, wrong
/// frame count or a field out of range is a `WireError`, and the message is dropped.
public enum WireProtocol {
    /// Protocol name and version, the first frame of every message.
    public static let name = "depthfarm/2"
    /// The largest frame a peer may send, 256 KiB (ZMQ_MAXMSGSIZE: a larger one disconnects it).
    public static let maximumFrameBytes: Int64 = 1 << 18
    /// Frames kept per message; a longer message is dropped as malformed.
    public static let maximumFrames = 16
    /// Bytes of one packed metric record (see `appendRecord`).
    public static let recordBytes = 21
    /// Records per METRICS message (at most 8192 · 21 bytes ≈ 172 KiB).
    public static let maximumRecordsPerBatch = 8192
    /// Longest text field (host, version, error, reason), in bytes.
    public static let maximumTextBytes = 4096
    /// A worker's host name and version as the coordinator keeps them, in bytes (longer ones are
    /// cut; `depthfarm worker --name` takes at most 200).
    public static let maximumNameBytes = 256
    /// Longest configuration (canonical JSON), in bytes.
    public static let maximumConfigurationBytes = 16384
    /// A checkpoint travels in pieces of at most this many bytes (CHECKPOINT, RESUME).
    public static let checkpointChunkBytes = 200_000
    /// A checkpoint has at most this many pieces (4 GB).
    public static let maximumCheckpointChunks = 20_000
    /// Heartbeats: interval, and how many may be missed before a peer counts as dead.
    public static let defaultHeartbeatMilliseconds = 1000
    public static let defaultLiveness = 3

    /// Metric codes on the wire: a metric's index in this list. Append only; reordering or
    /// removing a metric changes the protocol version.
    public static let metricCodes: [Metric] = [
        .trainLoss, .gradNorm, .gradCosine, .weightHHNorm, .weightHHSigmaMax, .weightHHFirstMomentNorm,
        .weightHHSecondMomentNorm, .weightHH1Norm, .weightHH1SigmaMax, .weightHH1FirstMomentNorm,
        .weightHH1SecondMomentNorm, .trainAccuracy, .testLoss, .testAccuracy, .wallSeconds, .stateGradientNorm,
        .lagWeight,
    ]
    static let codeOfMetric: [Metric: UInt8] = Dictionary(uniqueKeysWithValues: metricCodes.enumerated().map { ($1, UInt8($0)) })

    /// Appends a record packed as: epoch u32, step u32 (0: none), metric code u8, lag i32 (−1:
    /// none), value f64 bits — little-endian, 21 bytes.
    public static func appendRecord(_ record: MetricRecord, to bytes: inout [UInt8]) {
        append(UInt32(truncatingIfNeeded: record.epoch), to: &bytes)
        append(UInt32(truncatingIfNeeded: record.step ?? 0), to: &bytes)
        bytes.append(codeOfMetric[record.metric]!)
        append(UInt32(bitPattern: Int32(truncatingIfNeeded: record.lag ?? -1)), to: &bytes)
        let bits = record.value.bitPattern
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    /// The records of a METRICS payload (already checked by `decode`).
    public static func records(_ bytes: [UInt8]) -> [MetricRecord] {
        stride(from: 0, to: bytes.count, by: recordBytes).map { i in
            let epoch = Int(read32(bytes, i)), step = Int(read32(bytes, i + 4))
            let lag = Int32(bitPattern: read32(bytes, i + 9))
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(bytes[i + 13 + k]) << UInt64(8 * k) }
            return MetricRecord(epoch: epoch, step: step == 0 ? nil : step, metric: metricCodes[Int(bytes[i + 8])],
                                lag: lag < 0 ? nil : Int(lag), value: Double(bitPattern: bits))
        }
    }

    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func read32(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }
}

/// Why a message was dropped; `reason` is what the coordinator counts and logs.
public struct WireError: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Every message of the protocol.
public enum WireMessage: Equatable, Sendable {
    // Worker → coordinator.
    /// The worker's greeting, first on every connection.
    case hello(host: String, pid: Int, version: String)
    /// A request for one trial (the worker has a free slot).
    case ready
    /// Metric records of a trial's attempt, batch `sequence` (0, 1, …), packed.
    case metrics(trial: UInt64, attempt: Int, sequence: Int, records: [UInt8])
    /// The attempt ended (completed, diverged); `batches` METRICS messages preceded it.
    case done(trial: UInt64, attempt: Int, batches: Int, outcome: TrialOutcome)
    /// The attempt could not run; the error travels as data.
    case failed(trial: UInt64, attempt: Int, error: String)
    /// Piece `index` of `count` of the attempt's checkpoint after epoch `epoch` (sent after every
    /// METRICS batch of epochs up to it).
    case checkpoint(trial: UInt64, attempt: Int, epoch: Int, index: Int, count: Int, bytes: [UInt8])
    /// The worker is leaving: any trial it holds goes back to the queue at once.
    case bye(reason: String)
    // Coordinator → worker.
    /// The answer to HELLO: the coordinator's session (new at every start) and heartbeat settings.
    case welcome(session: UInt64, heartbeatMilliseconds: Int, liveness: Int)
    /// One trial to run, as its canonical configuration (JSON): up to epoch `until` (0: the last;
    /// before it the attempt pauses with a checkpoint), with a checkpoint every `checkpointEvery`
    /// epochs (0: none), from the checkpoint after epoch `resumeEpoch` that `resumeChunks` RESUME
    /// messages bring (0, 0: from the start).
    case assign(trial: UInt64, attempt: Int, configuration: String, until: Int, checkpointEvery: Int, resumeEpoch: Int, resumeChunks: Int)
    /// Piece `index` of the checkpoint an ASSIGN resumes from.
    case resume(trial: UInt64, attempt: Int, index: Int, bytes: [UInt8])
    /// Stop that attempt (timed out, or given to another worker); no result is wanted.
    case cancel(trial: UInt64, attempt: Int)
    /// The sweep is over (or the coordinator is stopping): leave.
    case shutdown(reason: String)
    // Both ways.
    /// Sent when nothing else was sent for a heartbeat interval.
    case heartbeat

    public var command: String {
        switch self {
        case .hello: "HELLO"
        case .ready: "READY"
        case .metrics: "METRICS"
        case .done: "DONE"
        case .failed: "FAILED"
        case .checkpoint: "CHECKPOINT"
        case .bye: "BYE"
        case .welcome: "WELCOME"
        case .assign: "ASSIGN"
        case .resume: "RESUME"
        case .cancel: "CANCEL"
        case .shutdown: "SHUTDOWN"
        case .heartbeat: "HEARTBEAT"
        }
    }

    /// The message's frames, protocol and command first.
    public func encode() -> [[UInt8]] {
        var frames: [[UInt8]] = [Array(WireProtocol.name.utf8), Array(command.utf8)]
        func text(_ value: String) { frames.append(Array(value.utf8.prefix(WireProtocol.maximumTextBytes))) }
        func number(_ value: some BinaryInteger) { frames.append(Array(String(value).utf8)) }
        func id(_ value: UInt64) { frames.append(Array(SweepPlan.hex(value).utf8)) }
        func real(_ value: Double?) { frames.append(value.map { Array(MetricCSV.format($0).utf8) } ?? []) }
        switch self {
        case .hello(let host, let pid, let version):
            text(host)
            number(pid)
            text(version)
        case .ready, .heartbeat:
            break
        case .metrics(let trial, let attempt, let sequence, let records):
            id(trial)
            number(attempt)
            number(sequence)
            frames.append(records)
        case .done(let trial, let attempt, let batches, let outcome):
            id(trial)
            number(attempt)
            number(batches)
            text(outcome.status.rawValue)
            frames.append(outcome.divergedStep.map { Array(String($0).utf8) } ?? [])
            number(outcome.steps)
            number(outcome.epochsCompleted)
            real(outcome.trainingSeconds)
            real(outcome.trainLoss)
            real(outcome.trainAccuracy)
            real(outcome.testLoss)
            real(outcome.testAccuracy)
        case .failed(let trial, let attempt, let error):
            id(trial)
            number(attempt)
            text(error)
        case .checkpoint(let trial, let attempt, let epoch, let index, let count, let bytes):
            id(trial)
            number(attempt)
            number(epoch)
            number(index)
            number(count)
            frames.append(bytes)
        case .bye(let reason), .shutdown(let reason):
            text(reason)
        case .welcome(let session, let interval, let liveness):
            id(session)
            number(interval)
            number(liveness)
        case .assign(let trial, let attempt, let configuration, let until, let every, let resumeEpoch, let resumeChunks):
            id(trial)
            number(attempt)
            frames.append(Array(configuration.utf8))
            number(until)
            number(every)
            number(resumeEpoch)
            number(resumeChunks)
        case .resume(let trial, let attempt, let index, let bytes):
            id(trial)
            number(attempt)
            number(index)
            frames.append(bytes)
        case .cancel(let trial, let attempt):
            id(trial)
            number(attempt)
        }
        return frames
    }

    /// Decodes the frames of one message (routing id already removed).
    public static func decode(_ frames: [[UInt8]]) throws(WireError) -> WireMessage {
        guard frames.count >= 2 else { throw WireError("too few frames") }
        guard frames[0] == Array(WireProtocol.name.utf8) else { throw WireError("wrong protocol or version") }
        var fields = Fields(frames: frames)
        let command = String(decoding: frames[1], as: UTF8.self)
        let message: WireMessage
        switch command {
        case "HELLO":
            try fields.expect(3, command)
            message = .hello(host: try fields.text(), pid: try fields.number(in: 1...Int(Int32.max)), version: try fields.text())
        case "READY":
            try fields.expect(0, command)
            message = .ready
        case "HEARTBEAT":
            try fields.expect(0, command)
            message = .heartbeat
        case "METRICS":
            try fields.expect(4, command)
            let trial = try fields.id(), attempt = try fields.attempt(), sequence = try fields.number(in: 0...1_000_000_000)
            let records = fields.next()
            guard records.count % WireProtocol.recordBytes == 0,
                records.count <= WireProtocol.maximumRecordsPerBatch * WireProtocol.recordBytes
            else { throw WireError("METRICS: records of \(records.count) bytes") }
            for i in stride(from: 8, to: records.count, by: WireProtocol.recordBytes)
            where Int(records[i]) >= WireProtocol.metricCodes.count {
                throw WireError("METRICS: unknown metric code \(records[i])")
            }
            message = .metrics(trial: trial, attempt: attempt, sequence: sequence, records: records)
        case "DONE":
            try fields.expect(12, command)
            let trial = try fields.id(), attempt = try fields.attempt(), batches = try fields.number(in: 0...1_000_000_000)
            let statusText = try fields.text()
            guard let status = TrialOutcome.Status(rawValue: statusText), status != .cancelled, status != .pruned else {
                throw WireError("DONE: status '\(PrintableText.escaped(statusText, maximumBytes: 32))'")
            }
            var outcome = TrialOutcome(status: status)
            outcome.divergedStep = try fields.optionalNumber(in: 1...Int(Int32.max))
            outcome.steps = try fields.number(in: 0...Int(Int32.max))
            outcome.epochsCompleted = try fields.number(in: 0...1_000_000)
            outcome.trainingSeconds = try fields.real() ?? 0
            outcome.trainLoss = try fields.real()
            outcome.trainAccuracy = try fields.real()
            outcome.testLoss = try fields.real()
            outcome.testAccuracy = try fields.real()
            guard (status == .diverged) == (outcome.divergedStep != nil) else { throw WireError("DONE: diverged_step and status disagree") }
            message = .done(trial: trial, attempt: attempt, batches: batches, outcome: outcome)
        case "FAILED":
            try fields.expect(3, command)
            message = .failed(trial: try fields.id(), attempt: try fields.attempt(), error: try fields.text())
        case "CHECKPOINT":
            try fields.expect(6, command)
            let trial = try fields.id(), attempt = try fields.attempt(), epoch = try fields.number(in: 1...1_000_000)
            let index = try fields.number(in: 0...(WireProtocol.maximumCheckpointChunks - 1))
            let count = try fields.number(in: 1...WireProtocol.maximumCheckpointChunks)
            let bytes = fields.next()
            guard index < count, !bytes.isEmpty, bytes.count <= WireProtocol.checkpointChunkBytes else {
                throw WireError("CHECKPOINT: piece \(index) of \(count), \(bytes.count) bytes")
            }
            message = .checkpoint(trial: trial, attempt: attempt, epoch: epoch, index: index, count: count, bytes: bytes)
        case "BYE":
            try fields.expect(1, command)
            message = .bye(reason: try fields.text())
        case "SHUTDOWN":
            try fields.expect(1, command)
            message = .shutdown(reason: try fields.text())
        case "WELCOME":
            try fields.expect(3, command)
            message = .welcome(session: try fields.id(), heartbeatMilliseconds: try fields.number(in: 10...3_600_000),
                               liveness: try fields.number(in: 1...1000))
        case "ASSIGN":
            try fields.expect(7, command)
            let trial = try fields.id(), attempt = try fields.attempt()
            let configuration = fields.next()
            guard configuration.count <= WireProtocol.maximumConfigurationBytes,
                let text = String(validating: configuration, as: UTF8.self)
            else { throw WireError("ASSIGN: configuration not UTF-8 or too long") }
            message = .assign(trial: trial, attempt: attempt, configuration: text, until: try fields.number(in: 0...1_000_000),
                              checkpointEvery: try fields.number(in: 0...1_000_000), resumeEpoch: try fields.number(in: 0...1_000_000),
                              resumeChunks: try fields.number(in: 0...WireProtocol.maximumCheckpointChunks))
        case "RESUME":
            try fields.expect(4, command)
            let trial = try fields.id(), attempt = try fields.attempt()
            let index = try fields.number(in: 0...(WireProtocol.maximumCheckpointChunks - 1))
            let bytes = fields.next()
            guard !bytes.isEmpty, bytes.count <= WireProtocol.checkpointChunkBytes else { throw WireError("RESUME: \(bytes.count) bytes") }
            message = .resume(trial: trial, attempt: attempt, index: index, bytes: bytes)
        case "CANCEL":
            try fields.expect(2, command)
            message = .cancel(trial: try fields.id(), attempt: try fields.attempt())
        default:
            throw WireError("unknown command")
        }
        return message
    }

    /// Reads a message's fields in order, each checked.
    private struct Fields {
        let frames: [[UInt8]]
        var index = 2

        mutating func expect(_ count: Int, _ command: String) throws(WireError) {
            guard frames.count == 2 + count else { throw WireError("\(command): \(frames.count - 2) fields instead of \(count)") }
        }

        mutating func next() -> [UInt8] {
            defer { index += 1 }
            return frames[index]
        }

        mutating func text() throws(WireError) -> String {
            let frame = next()
            guard frame.count <= WireProtocol.maximumTextBytes, let text = String(validating: frame, as: UTF8.self) else {
                throw WireError("field \(index - 1): not UTF-8 text of at most \(WireProtocol.maximumTextBytes) bytes")
            }
            return text
        }

        mutating func number(in range: ClosedRange<Int>) throws(WireError) -> Int {
            guard let value = try optionalNumber(in: range) else { throw WireError("field \(index - 1): empty number") }
            return value
        }

        mutating func optionalNumber(in range: ClosedRange<Int>) throws(WireError) -> Int? {
            let frame = next()
            if frame.isEmpty { return nil }
            guard frame.count <= 19, frame.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(String(decoding: frame, as: UTF8.self)),
                range.contains(value)
            else { throw WireError("field \(index - 1): not a number in \(range.lowerBound) … \(range.upperBound)") }
            return value
        }

        mutating func attempt() throws(WireError) -> Int { try number(in: 1...1_000_000) }

        mutating func id() throws(WireError) -> UInt64 {
            let frame = next()
            guard frame.count == 16, frame.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
                let value = UInt64(String(decoding: frame, as: UTF8.self), radix: 16)
            else { throw WireError("field \(index - 1): not a 16-digit hex id") }
            return value
        }

        mutating func real() throws(WireError) -> Double? {
            let frame = next()
            if frame.isEmpty { return nil }
            guard frame.count <= 32, let value = Double(String(decoding: frame, as: UTF8.self)) else {
                throw WireError("field \(index - 1): not a number")
            }
            return value
        }
    }
}
