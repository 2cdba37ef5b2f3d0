/// Static files recently served, kept while their identity is unchanged, so that a popular
/// file costs one `stat` (already made to resolve the path) instead of open, fstat, read and
/// close. Bounded in entries and bytes; the oldest entry goes first.
final class FileCache: Sendable {
    private struct Entries {
        var snapshots: [String: FileSnapshot] = [:]
        /// Paths oldest first, for eviction.
        var order: [String] = []
        var storedBytes = 0
    }

    private let entries = Locked(Entries())
    private let maxEntries: Int
    private let maxBytes: Int
    /// Larger files are read every time (they would crowd out the small ones).
    private let maxFileBytes: Int

    init(maxEntries: Int = 256, maxBytes: Int = 32 << 20, maxFileBytes: Int = 1 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.maxFileBytes = maxFileBytes
    }

    /// The cached bytes of `path` if `identity` (a fresh stat) matches what was read; never reads.
    func cachedSnapshot(of path: String, identity: FileIdentity) -> FileSnapshot? {
        guard let hit = entries.withLock({ $0.snapshots[path] }), hit.identity == identity else { return nil }
        return hit
    }

    /// The bytes of `path`, from the cache when `identity` (a fresh stat) matches what was read.
    func snapshot(of path: String, identity: FileIdentity) -> FileSnapshot? {
        if let hit = entries.withLock({ $0.snapshots[path] }), hit.identity == identity { return hit }
        guard let file = FileSnapshot.read(path) else { return nil }
        guard file.bytes.count <= maxFileBytes else { return file }
        entries.withLock { entries in
            if let replaced = entries.snapshots.updateValue(file, forKey: path) {
                entries.storedBytes -= replaced.bytes.count
            } else {
                entries.order.append(path)
            }
            entries.storedBytes += file.bytes.count
            while entries.order.count > maxEntries || entries.storedBytes > maxBytes, !entries.order.isEmpty {
                let evicted = entries.order.removeFirst()
                entries.storedBytes -= entries.snapshots.removeValue(forKey: evicted)?.bytes.count ?? 0
            }
        }
        return file
    }
}
