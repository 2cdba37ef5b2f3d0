import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file writes that a reader (the web page, a resumed run, a restarted server) never sees
/// half done and that survive a crash or power cut: the bytes go to a hidden temporary file in
/// the same folder, are flushed to disk (fsync), the file is renamed over the target, and the
/// folder is flushed too, since the rename lives in the folder's entries, not in the file.
package enum AtomicFile {
    package static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError("cannot create \(temporary.path)") }
        var renamed = false
        defer { if !renamed { unlink(temporary.path) } }
        do {
            defer { close(fd) }
            try data.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var offset = 0
                while offset < raw.count {
                    let written = Glibc.write(fd, base + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw posixError("cannot write \(url.path) (as \(temporary.lastPathComponent))")
                    }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else { throw posixError("cannot flush \(url.path) (as \(temporary.lastPathComponent))") }
        }
        // rename(2) replaces the target atomically on the same file system.
        guard rename(temporary.path, url.path) == 0 else { throw posixError("cannot rename \(temporary.path) to \(url.path)") }
        renamed = true
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Flushes a folder's entries (a rename or a new name in it) to disk.
    package static func syncDirectory(_ folder: URL) throws {
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw posixError("cannot open the folder \(folder.path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw posixError("cannot flush the folder \(folder.path)") }
    }

    package static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// The OS's error with what we tried, e.g. "cannot write …/results.csv (as …): No space left on device (ENOSPC)".
    private static func posixError(_ what: String) -> NSError {
        let code = errno
        let names: [Int32: String] = [ENOSPC: "ENOSPC", EFBIG: "EFBIG", EDQUOT: "EDQUOT", EIO: "EIO", EROFS: "EROFS", EACCES: "EACCES"]
        let name = names[code].map { " (\($0))" } ?? ""
        return NSError(domain: NSPOSIXErrorDomain, code: Int(code),
                       userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: strerror(code)))\(name)"])
    }
}
