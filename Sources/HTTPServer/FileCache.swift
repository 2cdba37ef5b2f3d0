/// Static files recently served, kept while their identity is unchanged, so that a popular
/// file costs one `stat` (already made to resolve the path) instead of open, fstat, read and
/// close. Bounded in entries and bytes; the oldest entry goes first.
final class FileCache: Sendable {
    private struct Entries {
        var snapshots: [String: FileSnapshot] = [:]
        /// Paths as requested (under the root, symlinks not resolved) -> the real path they resolved to.
        var realPaths: [String: String] = [:]
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

    /// The real path `requested` resolved to last time, if the file there is still the very file
    /// that was read then: `identity` (a stat of `requested`, following symlinks) equals the
    /// cached version's. The same device, inode, size and modification time as a file already
    /// resolved under the root is that file, wherever the path's symlinks now point, so the
    /// `realpath` walk (a readlink per component) can be skipped.
    func realPath(ofRequested requested: String, identity: FileIdentity) -> String? {
        entries.withLock { entries in
            guard let real = entries.realPaths[requested], entries.snapshots[real]?.identity == identity else { return nil }
            return real
        }
    }

    /// Remembers what `requested` resolved to (bounded: the table starts afresh when full).
    func remember(requested: String, realPath: String) {
        entries.withLock { entries in
            if entries.realPaths.count >= maxEntries * 4 { entries.realPaths.removeAll(keepingCapacity: true) }
            entries.realPaths[requested] = realPath
        }
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
