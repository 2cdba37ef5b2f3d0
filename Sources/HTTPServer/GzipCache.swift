/// Compressed bodies keyed by their ETag, so a popular static file is compressed once per
/// version rather than once per request. Bodies without an ETag are compressed every time.
final class GzipCache: Sendable {
    private struct Entries {
        var bodies: [String: [UInt8]] = [:]
        /// Keys oldest first, for eviction.
        var order: [String] = []
        var storedBytes = 0
    }

    private let entries = Locked(Entries())
    private let maxEntries: Int
    private let maxBytes: Int

    init(maxEntries: Int = 64, maxBytes: Int = 16 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    func compressed(_ body: [UInt8], etag: String?) -> [UInt8]? {
        guard let etag else { return Gzip.compress(body) }
        let key = "\(etag)/\(body.count)"
        if let hit = entries.withLock({ $0.bodies[key] }) { return hit }
        // Compressed outside the lock: another thread may do the same version meanwhile.
        guard let compressed = Gzip.compress(body) else { return nil }
        guard compressed.count <= maxBytes / 4 else { return compressed }
        entries.withLock { entries in
            if let replaced = entries.bodies.updateValue(compressed, forKey: key) {
                entries.storedBytes -= replaced.count
            } else {
                entries.order.append(key)
            }
            entries.storedBytes += compressed.count
            while entries.order.count > maxEntries || entries.storedBytes > maxBytes, !entries.order.isEmpty {
                let evicted = entries.order.removeFirst()
                entries.storedBytes -= entries.bodies.removeValue(forKey: evicted)?.count ?? 0
            }
        }
        return compressed
    }
}
