/// Received bytes not yet consumed by the parser: an array with a read index, compacted lazily
/// so that consuming a prefix never copies the rest.
struct ByteBuffer {
    private(set) var storage: [UInt8] = []
    private(set) var readIndex = 0

    var readableCount: Int { storage.count - readIndex }
    var isEmpty: Bool { readIndex == storage.count }

    /// The readable byte at `offset` from the read index, or nil past the end.
    func byte(at offset: Int) -> UInt8? {
        let index = readIndex + offset
        return offset >= 0 && index < storage.count ? storage[index] : nil
    }

    /// The readable bytes in `range` (offsets from the read index); the range must be readable.
    func bytes(_ range: Range<Int>) -> ArraySlice<UInt8> {
        precondition(range.lowerBound >= 0 && range.upperBound <= readableCount)
        return storage[(readIndex + range.lowerBound)..<(readIndex + range.upperBound)]
    }

    func withUnsafeReadableBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[readIndex...])) }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        storage.append(contentsOf: bytes)
    }

    mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        compactIfWorthwhile()
        storage.append(contentsOf: bytes)
    }

    mutating func consume(_ count: Int) {
        precondition(count >= 0 && count <= readableCount)
        readIndex += count
        if readIndex == storage.count {
            storage.removeAll(keepingCapacity: true)
            readIndex = 0
        }
    }

    /// Drops consumed bytes once they outweigh the readable ones (amortised O(1) per byte).
    private mutating func compactIfWorthwhile() {
        if readIndex > 4096 && readIndex >= readableCount {
            storage.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
