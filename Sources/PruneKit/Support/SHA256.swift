import CDigest
import Foundation

/// SHA-256 (FIPS 180-4) in lowercase hex: a spec's content name (shards of one sweep on different
/// machines show they ran the same spec) and an upload's checksum and id. Not used for secrets.
/// The compression loop is C (`Sources/CDigest`) so that hashing a 512 MB upload is quick even in
/// a debug build.
public enum SHA256 {
    /// The digest of `data`.
    public static func hex(_ data: Data) -> String {
        data.withUnsafeBytes { hex(of: $0) }
    }

    /// The digest of `bytes`.
    public static func hex(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex(of: $0) }
    }

    /// The digest of a file, read in 1 MiB pieces.
    public static func hex(ofFile url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var context = cdigest_sha256()
        cdigest_sha256_init(&context)
        while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty {
            piece.withUnsafeBytes { cdigest_sha256_update(&context, $0.baseAddress, $0.count) }
        }
        return finish(&context)
    }

    private static func hex(of buffer: UnsafeRawBufferPointer) -> String {
        var context = cdigest_sha256()
        cdigest_sha256_init(&context)
        cdigest_sha256_update(&context, buffer.baseAddress, buffer.count)
        return finish(&context)
    }

    private static func finish(_ context: inout cdigest_sha256) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        digest.withUnsafeMutableBufferPointer { cdigest_sha256_final(&context, $0.baseAddress) }
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
