import CZlib
import Foundation

/// The dimensions an IDX file announces, read from its first bytes only (through zlib, so a
/// gzipped file costs one small inflate): what a cost estimate needs without loading the data.
/// The checks are those of `IDXArray.read` that the header alone allows.
public enum IDXHeader {
    public static func dimensions(of url: URL) throws -> [Int] {
        let path = url.path
        func fail(_ problem: String) -> DataFileError { DataFileError(path: path, problem: problem) }
        guard FileManager.default.fileExists(atPath: path) else { throw fail("no such file") }
        guard let file = gzopen(path, "rb") else { throw fail("cannot be opened (\(String(cString: strerror(errno))))") }
        defer { gzclose(file) }

        func read(_ count: Int) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            let got = bytes.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(count)) }
            guard got >= 0 else {
                var code: Int32 = 0
                throw fail("is corrupt: zlib says \"\(String(cString: gzerror(file, &code)))\"")
            }
            guard Int(got) == count else { throw fail("is truncated inside its IDX header") }
            return bytes
        }

        let magic = try read(4)
        guard magic[0] == 0, magic[1] == 0 else {
            throw fail(String(format: "is not an IDX file: magic number starts with 0x%02X%02X, expected 0x0000", magic[0], magic[1]))
        }
        guard magic[2] == 0x08 else { throw fail(String(format: "has IDX type 0x%02X; only 0x08 (unsigned bytes) is supported", magic[2])) }
        let rank = Int(magic[3])
        guard (1...4).contains(rank) else { throw fail("declares \(rank) dimensions; expected 1 to 4") }
        let header = try read(4 * rank)
        var dimensions: [Int] = []
        var total = 1
        for d in 0..<rank {
            let size = header[4 * d..<4 * d + 4].reduce(0) { $0 << 8 | Int($1) }
            guard size > 0 else { throw fail("dimension \(d) is 0") }
            total = total.multipliedReportingOverflow(by: size).partialValue
            guard total <= IDXArray.maxValueCount else {
                throw fail("declares \(dimensions + [size]) values, more than the \(IDXArray.maxValueCount) accepted")
            }
            dimensions.append(size)
        }
        return dimensions
    }
}
