import CDigest
import Foundation

/// SHA-256 in lowercase hex, of a file (read in 1 MiB pieces) or of bytes in memory.
enum SHA256Digest {
    static func hex(ofFile url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var context = cdigest_sha256()
        cdigest_sha256_init(&context)
        while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty {
            piece.withUnsafeBytes { cdigest_sha256_update(&context, $0.baseAddress, $0.count) }
        }
        return finish(&context)
    }

    static func hex(of bytes: [UInt8]) -> String {
        var context = cdigest_sha256()
        cdigest_sha256_init(&context)
        bytes.withUnsafeBytes { cdigest_sha256_update(&context, $0.baseAddress, $0.count) }
        return finish(&context)
    }

    private static func finish(_ context: inout cdigest_sha256) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        digest.withUnsafeMutableBufferPointer { cdigest_sha256_final(&context, $0.baseAddress) }
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
