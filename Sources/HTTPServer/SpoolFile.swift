import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The temporary file a spooled request body is written to as it arrives. Created with a
/// unique name (mkstemp) in the route's folder, so that the handler can rename it into place on
/// the same file system.
struct SpoolFile {
    let url: URL
    private(set) var fd: Int32

    struct Failure: Error { var detail: String }

    static func create(in directory: URL) throws(Failure) -> SpoolFile {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(detail: "the server cannot store the request body (no spool folder)")
        }
        var template = Array(directory.appendingPathComponent(".body-XXXXXX").path.utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Failure(detail: "the server cannot store the request body (cannot create a file)") }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return SpoolFile(url: URL(fileURLWithPath: path), fd: fd)
    }

    /// Writes all of `bytes` (the descriptor blocks: it is a regular file).
    func append(_ bytes: [UInt8]) throws(Failure) {
        let failed: Bool = bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return true }
                offset += n
            }
            return false
        }
        if failed { throw Failure(detail: "the server could not store the request body (\(String(cString: strerror(errno))))") }
    }

    /// Closes the descriptor; the file stays for the handler.
    mutating func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    /// Closes and deletes the file.
    mutating func remove() {
        close()
        unlink(url.path)
    }
}
