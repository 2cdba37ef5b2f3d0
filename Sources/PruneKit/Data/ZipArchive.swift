import CZlib
import Foundation

/// Reads members of a zip file (an `.npz` is one): stored or deflated, zip64 included (numpy
/// writes every member with zip64 sizes). Only the central directory is parsed up front.
struct ZipArchive {
    struct Member {
        let name: String
        let method: UInt16
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    let url: URL
    let data: Data
    let members: [String: Member]

    init(url: URL) throws {
        self.url = url
        func fail(_ problem: String) -> DataFileError { DataFileError(path: url.path, problem: problem) }
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw fail("cannot be read (\(error.localizedDescription))")
        }
        let bytes = [UInt8](data.suffix(65_557))
        guard let eocd = stride(from: bytes.count - 22, through: 0, by: -1).first(where: {
            bytes[$0] == 0x50 && bytes[$0 + 1] == 0x4B && bytes[$0 + 2] == 0x05 && bytes[$0 + 3] == 0x06
        }) else { throw fail("is not a zip archive (an .npz file is one): no end of central directory") }
        var count = Int(Self.u16(bytes, eocd + 10))
        var directoryOffset = Int(Self.u32(bytes, eocd + 16))
        // Zip64: the end-of-central-directory locator just before points at the zip64 record.
        if eocd >= 20, Self.u32(bytes, eocd - 20) == 0x07064B50 {
            let record = Int(truncatingIfNeeded: Self.u64(bytes, eocd - 12))
            guard record >= 0, record + 56 <= data.count else { throw fail("has a zip64 record outside the file") }
            let r = [UInt8](data[record..<record + 56])
            guard Self.u32(r, 0) == 0x06064B50 else { throw fail("has a broken zip64 end record") }
            count = Int(truncatingIfNeeded: Self.u64(r, 32))
            directoryOffset = Int(truncatingIfNeeded: Self.u64(r, 48))
        }
        var members: [String: Member] = [:]
        var p = directoryOffset
        for _ in 0..<max(0, count) {
            guard p >= 0 else { throw fail("has a central directory outside the file") }
            guard p + 46 <= data.count else { throw fail("has a central directory beyond the end of the file") }
            let h = [UInt8](data[p..<p + 46])
            guard Self.u32(h, 0) == 0x02014B50 else { throw fail("has a broken central directory entry at byte \(p)") }
            let method = Self.u16(h, 10)
            var compressed = Int(Self.u32(h, 20)), size = Int(Self.u32(h, 24))
            let nameLength = Int(Self.u16(h, 28)), extraLength = Int(Self.u16(h, 30)), commentLength = Int(Self.u16(h, 32))
            var offset = Int(Self.u32(h, 42))
            guard p + 46 + nameLength + extraLength <= data.count else { throw fail("has a central directory beyond the end of the file") }
            let name = String(decoding: data[p + 46..<p + 46 + nameLength], as: UTF8.self)
            // The zip64 extra field holds, in this order, the values that are 0xFFFFFFFF above.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let x = [UInt8](data[e..<min(extraEnd, e + 4 + 28)])
                let id = Self.u16(x, 0), length = Int(Self.u16(x, 2))
                if id == 1 {
                    var q = 4
                    if size == 0xFFFF_FFFF, q + 8 <= x.count { size = Int(truncatingIfNeeded: Self.u64(x, q)); q += 8 }
                    if compressed == 0xFFFF_FFFF, q + 8 <= x.count { compressed = Int(truncatingIfNeeded: Self.u64(x, q)); q += 8 }
                    if offset == 0xFFFF_FFFF, q + 8 <= x.count { offset = Int(truncatingIfNeeded: Self.u64(x, q)) }
                }
                e += 4 + length
            }
            members[name] = Member(name: name, method: method, compressedSize: compressed, size: size, localHeaderOffset: offset)
            p += 46 + nameLength + extraLength + commentLength
        }
        self.members = members
    }

    /// A member's bytes, inflated when deflated; with `prefix`, only (at most) that many.
    func contents(_ member: Member, prefix: Int? = nil) throws -> Data {
        func fail(_ problem: String) -> DataFileError { DataFileError(path: url.path, problem: "member \(member.name): \(problem)") }
        let local = member.localHeaderOffset
        guard local >= 0, local + 30 <= data.count else { throw fail("its header is outside the file") }
        let h = [UInt8](data[local..<local + 30])
        guard Self.u32(h, 0) == 0x04034B50 else { throw fail("has a broken local header") }
        let start = local + 30 + Int(Self.u16(h, 26)) + Int(Self.u16(h, 28))
        guard member.compressedSize >= 0, start + member.compressedSize <= data.count else { throw fail("its data runs past the end of the file") }
        let raw = data[start..<start + member.compressedSize]
        switch member.method {
        case 0:
            return Data(raw.prefix(prefix ?? raw.count))
        case 8:
            return try inflate(raw, size: member.size, prefix: prefix, fail: fail)
        default:
            throw fail("uses compression method \(member.method); stored (0) and deflate (8) are read")
        }
    }

    private func inflate(_ raw: Data, size: Int, prefix: Int?, fail: (String) -> DataFileError) throws -> Data {
        // Deflate expands at most about 1032 times: a larger size is a corrupt directory.
        guard size >= 0, size <= raw.count * 1032 + 64 else { throw fail("declares \(size) bytes from \(raw.count) compressed") }
        let wanted = min(size, prefix ?? size)
        var output = Data(count: wanted)
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw fail("zlib cannot start") }
        defer { inflateEnd(&stream) }
        let status: Int32 = raw.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(out.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        if wanted < size, status == Z_OK || status == Z_BUF_ERROR, Int(stream.total_out) == wanted { return output }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else {
            throw fail("does not inflate to its \(size) bytes (zlib status \(status), \(stream.total_out) bytes)")
        }
        return output
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[i + $1]) << (8 * $1) } }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[i + $1]) << (8 * $1) } }
}
