/// A fixed-size, zero-initialised, 64-byte aligned block of `Float`s: the storage of the
/// training workspace and optimizer state, allocated once per training run so the hot loop
/// never touches the allocator and BLAS and SIMD loops see cache-line aligned rows.
final class FloatBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    deinit {
        pointer.deallocate()
    }
}
