/// A trial's whole state at the end of an epoch: what the epochs after it depend on — the
/// parameters, every optimizer's step count and moments, the previous window's gradients, the
/// lag weighting's history, the spectral norm's warm-start vectors — and how many epochs and
/// parameter updates are behind it. The training and test data are not in it: they follow from
/// the seed and the epoch. A trial resumed from its checkpoint continues with exactly the bits an
/// undisturbed run would produce.
///
/// `bytes` is self-describing (little-endian):
///
///     "DFC1"  precision (u8: 4 or 8)  epoch (u64)  step (u64)  sections …
///
/// each section a count (u64) of elements then their bytes, in the order `Trainer+Checkpoint`
/// writes them; reading checks every count against the trial's own buffers.
public struct TrialCheckpoint: Sendable, Equatable {
    /// Epochs completed.
    public let epoch: Int
    /// Parameter updates so far.
    public let step: Int
    public let bytes: [UInt8]

    static let magic: [UInt8] = Array("DFC1".utf8)

    /// Reads a checkpoint's header; nil if the bytes are not one.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 21, Array(bytes[0..<4]) == Self.magic else { return nil }
        var reader = CheckpointReader(bytes, at: 5)
        guard let epoch = reader.integer(), let step = reader.integer() else { return nil }
        self.epoch = epoch
        self.step = step
        self.bytes = bytes
    }

    init(epoch: Int, step: Int, bytes: [UInt8]) {
        self.epoch = epoch
        self.step = step
        self.bytes = bytes
    }
}

/// Why a checkpoint cannot resume a trial.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    public let reason: String
    public var description: String { "the checkpoint does not fit this trial: \(reason)" }
}

/// Appends checkpoint sections.
struct CheckpointWriter {
    var bytes: [UInt8] = []

    mutating func integer(_ value: Int) {
        let bits = UInt64(bitPattern: Int64(value))
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    /// A section: the element count, then the elements' bytes.
    mutating func section<Element: BitwiseCopyable>(_ start: UnsafePointer<Element>, count: Int) {
        integer(count)
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: start, count: count * MemoryLayout<Element>.stride))
    }

    mutating func section<Element: BitwiseCopyable>(_ buffer: Buffer<Element>) { section(buffer.base, count: buffer.count) }

    mutating func section<Element: BitwiseCopyable>(_ array: [Element]) {
        array.withUnsafeBufferPointer { section($0.baseAddress!, count: $0.count) }
    }
}

/// Reads checkpoint sections back, checking each one's count.
struct CheckpointReader {
    let bytes: [UInt8]
    var offset: Int

    init(_ bytes: [UInt8], at offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func integer() -> Int? {
        guard offset + 8 <= bytes.count else { return nil }
        var bits: UInt64 = 0
        for k in 0..<8 { bits |= UInt64(bytes[offset + k]) << UInt64(8 * k) }
        offset += 8
        return Int(Int64(bitPattern: bits))
    }

    /// Fills `count` elements at `start` from the next section, which must hold exactly that many.
    mutating func section<Element: BitwiseCopyable>(into start: UnsafeMutablePointer<Element>, count: Int, _ what: String) throws {
        guard let found = integer(), found == count else { throw CheckpointError(reason: "\(what) has another size") }
        let length = count * MemoryLayout<Element>.stride
        guard offset + length <= bytes.count else { throw CheckpointError(reason: "it is cut short in \(what)") }
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawPointer(start).copyMemory(from: source.baseAddress! + offset, byteCount: length)
        }
        offset += length
    }

    mutating func section<Element: BitwiseCopyable>(into buffer: Buffer<Element>, _ what: String) throws {
        try section(into: buffer.base, count: buffer.count, what)
    }

    mutating func section<Element: BitwiseCopyable>(into array: inout [Element], _ what: String) throws {
        let count = array.count
        try array.withUnsafeMutableBufferPointer { try section(into: $0.baseAddress!, count: count, what) }
    }
}
