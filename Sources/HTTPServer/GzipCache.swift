import Foundation

/// Compressed bodies keyed by their ETag, so a popular static file is compressed once per
/// version rather than once per request. Bodies without an ETag are compressed every time.
final class GzipCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: [UInt8]] = [:]
    private var order: [String] = []
    private var storedBytes = 0
    private let maxEntries: Int
    private let maxBytes: Int

    init(maxEntries: Int = 64, maxBytes: Int = 16 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    func compressed(_ body: [UInt8], etag: String?) -> [UInt8]? {
        guard let etag else { return Gzip.compress(body) }
        let key = "\(etag)/\(body.count)"
        lock.lock()
        let hit = entries[key]
        lock.unlock()
        if let hit { return hit }
        guard let compressed = Gzip.compress(body) else { return nil }
        guard compressed.count <= maxBytes / 4 else { return compressed }
        lock.lock()
        defer { lock.unlock() }
        if let replaced = entries.updateValue(compressed, forKey: key) {
            storedBytes -= replaced.count   // another thread compressed the same version meanwhile
        } else {
            order.append(key)
        }
        storedBytes += compressed.count
        while order.count > maxEntries || storedBytes > maxBytes, !order.isEmpty {
            let evicted = order.removeFirst()
            storedBytes -= entries.removeValue(forKey: evicted)?.count ?? 0
        }
        return compressed
    }
}
