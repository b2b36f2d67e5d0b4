/// A fixed-size, zero-initialised, 64-byte-aligned array of scalars, freed with the buffer.
///
/// The training core allocates every array it touches per window once, up front, as one of
/// these, and hands raw pointers to the kernels; nothing is allocated per window.
public final class Buffer<Element: BitwiseCopyable> {
    public let count: Int
    public let base: UnsafeMutablePointer<Element>

    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Element>.stride, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1) * MemoryLayout<Element>.stride)
        base = raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    deinit { base.deallocate() }

    public subscript(index: Int) -> Element {
        get { base[index] }
        set { base[index] = newValue }
    }

    /// Sets every element to zero bits.
    public func zero() {
        UnsafeMutableRawPointer(base).initializeMemory(
            as: UInt8.self, repeating: 0, count: count * MemoryLayout<Element>.stride)
    }

    /// The elements as an array (for tests and reports, not the hot path).
    public var array: [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
