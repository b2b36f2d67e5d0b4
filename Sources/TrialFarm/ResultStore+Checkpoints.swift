import Glibc
import TrainingCore

// Checkpoints in the output folder: `checkpoints/TRIAL_ID.ckpt`, the latest a trial's attempts
// sent — the trial's metric rows up to the checkpoint's epoch, and its state — so that a later
// attempt (after a dead worker, a restarted coordinator, or a pause a search asked for) resumes
// there and the trial's rows come out exactly as an undisturbed run's. Each file is built beside
// its place as pieces arrive, then fsynced and renamed: it is whole or absent, and a checksum
// tells it is unchanged.
//
//     "DFCKPT1\n"  epoch (u64)  rows length (u64)  state length (u64)  CRC-32C of rows and state (u32)
//     rows (CSV lines as in completed.csv)  state (`TrialCheckpoint.bytes`)

extension ResultStore {
    static let checkpointMagic: [UInt8] = Array("DFCKPT1\n".utf8)
    static let checkpointHeaderBytes = 8 + 8 * 3 + 4
    var checkpointFolder: String { folder + "/checkpoints" }

    func checkpointPath(_ index: Int) -> String { "\(checkpointFolder)/\(SweepPlan.hex(plan.trials[index].id)).ckpt" }

    /// A checkpoint being received, piece by piece.
    final class IncomingCheckpoint {
        let fd: Int32
        let path: String
        let epoch: Int
        let rowsLength: Int
        var length: Int
        var pieces = 0
        var crc = CRC32C()
        init(fd: Int32, path: String, epoch: Int, rowsLength: Int) {
            (self.fd, self.path, self.epoch, self.rowsLength) = (fd, path, epoch, rowsLength)
            length = ResultStore.checkpointHeaderBytes + rowsLength
        }
        deinit { close(fd) }
    }

    /// Takes piece `index` of `count` of a running attempt's checkpoint after `epoch`; when it is
    /// the last, the checkpoint becomes the trial's (its epoch is returned). Rows before it are
    /// those the attempt has streamed: every batch of its epochs came first.
    func receiveCheckpoint(_ trial: Int, attempt: Int, epoch: Int, index: Int, count: Int, bytes: [UInt8]) throws -> Int? {
        guard let (current, spool) = running[trial], current == attempt else { return nil }
        if index == 0 {
            incoming[trial] = nil
            try FileSystem.createDirectories(checkpointFolder)
            let path = checkpointPath(trial) + ".tmp"
            let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SystemError("write", path: path, errno: errno) }
            let receiving = IncomingCheckpoint(fd: fd, path: path, epoch: epoch, rowsLength: spool.length)
            try FileSystem.copy(spool.length, from: spool.fd, at: 0, path: spool.path, to: fd, at: Self.checkpointHeaderBytes, path: path, crc: &receiving.crc)
            incoming[trial] = receiving
        }
        guard let receiving = incoming[trial], receiving.epoch == epoch, receiving.pieces == index else {
            incoming[trial] = nil
            return nil
        }
        try bytes.withUnsafeBytes { try FileSystem.write(receiving.fd, $0, at: receiving.length, path: receiving.path) }
        receiving.crc.update(bytes)
        receiving.length += bytes.count
        receiving.pieces += 1
        guard receiving.pieces == count else { return nil }
        incoming[trial] = nil
        var header = CheckpointHeader(epoch: epoch, rowsLength: receiving.rowsLength,
                                      stateLength: receiving.length - Self.checkpointHeaderBytes - receiving.rowsLength, crc: receiving.crc.value)
        try header.bytes.withUnsafeBytes { try FileSystem.write(receiving.fd, $0, at: 0, path: receiving.path) }
        guard fsync(receiving.fd) == 0 else { throw SystemError("write", path: receiving.path, errno: errno) }
        guard rename(receiving.path, checkpointPath(trial)) == 0 else { throw SystemError("rename into", path: checkpointPath(trial), errno: errno) }
        FileSystem.syncDirectory(checkpointFolder)
        header.path = checkpointPath(trial)
        checkpoints[trial] = header
        return epoch
    }

    /// The epoch of the trial's checkpoint, if it has one.
    public func checkpointEpoch(_ trial: Int) -> Int? { checkpoints[trial]?.epoch }

    /// The checkpoint's state, in pieces for RESUME messages.
    func checkpointPieces(_ trial: Int) throws -> [[UInt8]] {
        guard let header = checkpoints[trial] else { return [] }
        let fd = open(header.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("read", path: header.path, errno: errno) }
        defer { close(fd) }
        let start = Self.checkpointHeaderBytes + header.rowsLength
        return try stride(from: 0, to: header.stateLength, by: WireProtocol.checkpointChunkBytes).map { offset in
            try FileSystem.read(fd, count: min(WireProtocol.checkpointChunkBytes, header.stateLength - offset), at: start + offset, path: header.path)
        }
    }

    /// Copies the checkpoint's rows (those of epochs up to `throughEpoch`, when given: the rows
    /// come epoch by epoch) to `fd` at `offset`; returns how many bytes, and their CRC-32C.
    @discardableResult
    func copyCheckpointRows(_ trial: Int, to fd: Int32, at offset: Int, path: String, throughEpoch: Int? = nil) throws -> (count: Int, crc: UInt32) {
        guard var header = checkpoints[trial] else { return (0, CRC32C().value) }
        if let throughEpoch, throughEpoch < header.epoch {
            header = CheckpointHeader(epoch: throughEpoch, rowsLength: try rowsLength(trial, throughEpoch: throughEpoch),
                                      stateLength: header.stateLength, crc: header.crc, path: header.path)
        }
        let source = open(header.path, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw SystemError("read", path: header.path, errno: errno) }
        defer { close(source) }
        var crc = CRC32C()
        try FileSystem.copy(header.rowsLength, from: source, at: Self.checkpointHeaderBytes, path: header.path, to: fd, at: offset, path: path, crc: &crc)
        return (header.rowsLength, crc.value)
    }

    /// The bytes of the checkpoint's rows of epochs up to `epoch`: up to the first row of a later one.
    func rowsLength(_ trial: Int, throughEpoch epoch: Int) throws -> Int {
        guard let header = checkpoints[trial] else { return 0 }
        let fd = open(header.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("read", path: header.path, errno: errno) }
        defer { close(fd) }
        let rows = try FileSystem.read(fd, count: header.rowsLength, at: Self.checkpointHeaderBytes, path: header.path)
        var start = 0
        while start < rows.count {
            // Columns: trial_id, config_id, seed, epoch, …
            var commas = 0, field = start
            while field < rows.count && commas < 3 {
                if rows[field] == UInt8(ascii: ",") { commas += 1 }
                field += 1
            }
            var value = 0
            while field < rows.count, let digit = Int(exactly: rows[field]).map({ $0 - 48 }), (0...9).contains(digit) {
                value = value * 10 + digit
                field += 1
            }
            if value > epoch { return start }
            while start < rows.count && rows[start] != UInt8(ascii: "\n") { start += 1 }
            start += 1
        }
        return rows.count
    }

    /// The trial's per-epoch records up to its checkpoint.
    public func checkpointRecords(_ trial: Int) throws -> [MetricRecord] {
        guard let header = checkpoints[trial] else { return [] }
        let fd = open(header.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("read", path: header.path, errno: errno) }
        defer { close(fd) }
        let rows = try FileSystem.read(fd, count: header.rowsLength, at: Self.checkpointHeaderBytes, path: header.path)
        var records: [MetricRecord] = []
        rows.withUnsafeBufferPointer { MetricRows.forEach($0, perEpochOnly: true) { records.append($0) } }
        return records
    }

    /// The attempt paused at its checkpoint, as asked: its rows are in the checkpoint.
    func pauseAttempt(_ trial: Int) {
        abandonAttempt(trial)
    }

    /// Ends a trial at epoch `epoch` of its checkpoint (a search pruned it there): the checkpoint's
    /// rows of epochs up to it become its rows, journaled at the next `commit`.
    public func completeFromCheckpoint(_ trial: Int, epoch: Int, entry: Journal.Entry) throws {
        abandonAttempt(trial)
        detachMetrics()
        let (written, crc) = try copyCheckpointRows(trial, to: completed, at: completedLength, path: completedPath, throughEpoch: epoch)
        var entry = entry
        entry.rows = completedLength..<(completedLength + written)
        entry.rowsCRC = crc
        completedLength += written
        uncommitted.append((trial, entry))
    }

    /// Finds the checkpoints of unfinished trials; removes those of finished trials, unfinished
    /// pieces, and damaged files (a retried attempt starts over).
    func loadCheckpoints() {
        // Only files named as the store names them: anything else is not the farm's to remove.
        for name in (try? FileSystem.names(in: checkpointFolder)) ?? [] where Self.isCheckpointFileName(name) {
            let path = checkpointFolder + "/" + name
            guard name.hasSuffix(".ckpt"), let id = UInt64(name.dropLast(5), radix: 16), let trial = indexOfTrial[id], finished[trial] == nil,
                  var header = CheckpointHeader(path: path)
            else {
                // (Gone since it was listed is not damage: a running coordinator removed it.)
                if name.hasSuffix(".ckpt"), let id = UInt64(name.dropLast(5), radix: 16), let trial = indexOfTrial[id], finished[trial] == nil,
                   FileSystem.exists(path) {
                    damage.append(Damage(description: "checkpoints/\(name) is damaged (its checksum or length fails): its trial starts from the beginning",
                                         trial: nil, isCheckpoint: true))
                }
                if journal != nil { unlink(path) }
                continue
            }
            header.path = path
            checkpoints[trial] = header
        }
    }

    /// Whether `name` is one the store gives a checkpoint file: TRIAL_ID.ckpt, or .ckpt.tmp while
    /// it is received.
    static func isCheckpointFileName(_ name: String) -> Bool {
        let stem = name.hasSuffix(".ckpt") ? name.dropLast(5) : name.hasSuffix(".ckpt.tmp") ? name.dropLast(9) : ""
        return stem.count == 16 && stem.allSatisfy { $0.isASCII && $0.isHexDigit }
    }

    /// Removes the checkpoint of a trial that has finished.
    func dropCheckpoint(_ trial: Int) {
        guard let header = checkpoints.removeValue(forKey: trial) else { return }
        unlink(header.path)
    }
}

/// A checkpoint file's header, read and checked (the checksum over the whole file).
struct CheckpointHeader {
    let epoch: Int
    let rowsLength: Int
    let stateLength: Int
    let crc: UInt32
    var path = ""

    init(epoch: Int, rowsLength: Int, stateLength: Int, crc: UInt32, path: String = "") {
        (self.epoch, self.rowsLength, self.stateLength, self.crc, self.path) = (epoch, rowsLength, stateLength, crc, path)
    }

    /// The header of the file at `path`, if the file is whole and its checksum holds.
    init?(path: String) {
        guard let bytes = try? FileSystem.readBytes(path), bytes.count >= ResultStore.checkpointHeaderBytes,
              Array(bytes[0..<8]) == ResultStore.checkpointMagic
        else { return nil }
        func number(_ at: Int, _ width: Int) -> Int { (0..<width).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        epoch = number(8, 8)
        rowsLength = number(16, 8)
        stateLength = number(24, 8)
        crc = UInt32(number(32, 4))
        guard epoch > 0, rowsLength >= 0, stateLength > 0,
              bytes.count == ResultStore.checkpointHeaderBytes + rowsLength + stateLength,
              CRC32C.checksum(bytes[ResultStore.checkpointHeaderBytes...]) == crc
        else { return nil }
    }

    var bytes: [UInt8] {
        var bytes = ResultStore.checkpointMagic
        for value in [epoch, rowsLength, stateLength] {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: UInt64(value) >> UInt64(shift))) }
        }
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        return bytes
    }
}
