/// SHA-256 (FIPS 180-4), for trial and configuration ids. Small and dependency-free. Speed matters
/// at one place: a sweep of a million seeds hashes a million canonical configurations before its
/// first trial can run, so the state can be fed in pieces (`update`) and copied: every trial of a
/// configuration shares the text before its seed, hashed once (`SweepPlan.add`).
public struct SHA256 {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// The hash state: eight words …
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    /// … the bytes of an unfinished block (`pending` of them), and the message length so far.
    private var block = InlineArray<64, UInt8>(repeating: 0)
    private var pending = 0
    private var length: UInt64 = 0

    public init() {}

    /// Feeds more of the message.
    public mutating func update<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        // Strings and arrays hand over their bytes at once; anything else is copied first.
        if bytes.withContiguousStorageIfAvailable({ update(buffer: $0) }) != nil { return }
        Array(bytes).withUnsafeBufferPointer { update(buffer: $0) }
    }

    private mutating func update(buffer bytes: UnsafeBufferPointer<UInt8>) {
        length &+= UInt64(bytes.count)
        var offset = 0
        if pending > 0 {
            let taken = min(64 - pending, bytes.count)
            for i in 0..<taken { block[pending + i] = bytes[i] }
            pending += taken
            offset = taken
            guard pending == 64 else { return }
            compressBlock()
            pending = 0
        }
        while bytes.count - offset >= 64 {
            compress(bytes[offset..<(offset + 64)])
            offset += 64
        }
        for i in 0..<(bytes.count - offset) { block[i] = bytes[offset + i] }
        pending = bytes.count - offset
    }

    /// The 32-byte digest of what was fed (the state itself is left as it was).
    public func finalize() -> [UInt8] {
        var copy = self
        let bitLength = length &* 8
        // The padding: 0x80, zeros up to 56 bytes into a block, the length in bits (big-endian).
        copy.block[copy.pending] = 0x80
        copy.pending += 1
        if copy.pending > 56 {
            for i in copy.pending..<64 { copy.block[i] = 0 }
            copy.compressBlock()
            copy.pending = 0
        }
        for i in copy.pending..<56 { copy.block[i] = 0 }
        for i in 0..<8 { copy.block[56 + i] = UInt8(truncatingIfNeeded: bitLength >> UInt64(56 - 8 * i)) }
        copy.compressBlock()
        let words = [copy.h.0, copy.h.1, copy.h.2, copy.h.3, copy.h.4, copy.h.5, copy.h.6, copy.h.7]
        return words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }

    /// Compresses the unfinished block, now whole.
    private mutating func compressBlock() {
        let bytes = block
        withUnsafeBytes(of: bytes) { compress($0.assumingMemoryBound(to: UInt8.self)[...]) }
    }

    /// The compression function over one 64-byte block.
    private mutating func compress(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            Self.k.withUnsafeBufferPointer { k in
                var j = bytes.startIndex
                for i in 0..<16 {
                    w[i] = UInt32(bytes[j]) << 24 | UInt32(bytes[j + 1]) << 16 | UInt32(bytes[j + 2]) << 8 | UInt32(bytes[j + 3])
                    j += 4
                }
                for i in 16..<64 {
                    let s0 = Self.rotate(w[i - 15], 7) ^ Self.rotate(w[i - 15], 18) ^ (w[i - 15] >> 3)
                    let s1 = Self.rotate(w[i - 2], 17) ^ Self.rotate(w[i - 2], 19) ^ (w[i - 2] >> 10)
                    w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                }
                var (a, b, c, d, e, f, g, hh) = h
                for i in 0..<64 {
                    let s1 = Self.rotate(e, 6) ^ Self.rotate(e, 11) ^ Self.rotate(e, 25)
                    let choice = (e & f) ^ (~e & g)
                    let t1 = hh &+ s1 &+ choice &+ k[i] &+ w[i]
                    let s0 = Self.rotate(a, 2) ^ Self.rotate(a, 13) ^ Self.rotate(a, 22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ majority
                    (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
                }
                h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
            }
        }
    }

    /// The 32-byte digest of `bytes`.
    public static func digest<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest as lower-case hex.
    public static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    /// The digest of what was fed, as lower-case hex.
    public func finalizeHex() -> String {
        finalize().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    private static func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
