import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What tells one version of a file from another: a rewrite changes the size or the
/// modification time, and an atomic replacement (write, then rename) the inode.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int
    var modifiedNanoseconds: Int

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int(info.st_size)
        modifiedNanoseconds = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
    }
}

/// A file's bytes and the metadata its validators come from, read through one descriptor.
struct FileSnapshot: Sendable {
    var bytes: [UInt8]
    var modifiedSeconds: Int
    var etag: String
    /// `modifiedSeconds` as an HTTP date, formatted once per version.
    var lastModified: String
    /// The file as it was read (with the size actually read).
    var identity: FileIdentity

    static func read(_ path: String) -> FileSnapshot? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, size - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        if filled < size { bytes.removeSubrange(filled...) }   // the file shrank while being read
        var identity = FileIdentity(info)
        identity.size = filled
        let etag = "\"\(String(identity.inode, radix: 16))-\(String(filled, radix: 16))-\(String(identity.modifiedNanoseconds, radix: 16))\""
        let modified = Int(info.st_mtim.tv_sec)
        return FileSnapshot(bytes: bytes, modifiedSeconds: modified, etag: etag,
                            lastModified: HTTPDate.format(secondsSince1970: modified), identity: identity)
    }
}
