import CZlib
import Foundation

/// An error reading a data file: names the file and what is wrong with it.
public struct DataFileError: Error, CustomStringConvertible, Equatable {
    /// The file (or spec field) at fault, as the user named it.
    public var path: String
    /// What is wrong with it, in words.
    public var problem: String

    /// An error saying `problem` about `path`.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// "path: problem", for messages.
    public var description: String { "\(path): \(problem)" }
}

/// The contents of one IDX file of unsigned bytes (the MNIST format): dimensions and raw values.
///
/// Layout: two zero bytes, a type byte (0x08 = unsigned byte; the only type datasets use),
/// a dimension count, one big-endian UInt32 per dimension, then the values, row-major.
public struct IDXArray: Sendable, Equatable {
    /// Size of each dimension, outermost first (samples, rows, columns).
    public var dimensions: [Int]
    /// Every value, row-major.
    public var values: [UInt8]

    /// An array from its dimensions and row-major values.
    public init(dimensions: [Int], values: [UInt8]) {
        self.dimensions = dimensions
        self.values = values
    }

    /// Largest file body accepted (2 GiB): a corrupt header cannot make us allocate more.
    public static let maxValueCount = 1 << 31

    /// Reads a gzipped or uncompressed IDX file (zlib detects which), streaming through zlib.
    /// Checks the magic number, the dimensions, and that the file holds exactly the values the
    /// header announces: no fewer (truncated) and no more (mismatched).
    public static func read(contentsOf url: URL) throws -> IDXArray {
        let stream = try IDXStream(url)
        defer { stream.close() }
        let (dimensions, total) = try stream.header()
        var values = [UInt8](repeating: 0, count: total)
        let got = try values.withUnsafeMutableBytes { try stream.readBytes($0.baseAddress!, total) }
        guard got == total else {
            throw stream.fail("is truncated: its header (dimensions \(dimensions)) announces \(total) bytes of data but only \(got) follow")
        }
        var extra: UInt8 = 0
        if try stream.readBytes(&extra, 1) > 0 {
            throw stream.fail("has data beyond the \(total) bytes its header (dimensions \(dimensions)) announces")
        }
        return IDXArray(dimensions: dimensions, values: values)
    }
}

/// An IDX file opened through zlib (gzipped or not), read in order: the header, then the values.
/// Both a full read (`IDXArray.read`) and a shape-only look (`IDXHeader`) go through it.
struct IDXStream {
    let path: String
    private let file: gzFile

    init(_ url: URL) throws {
        path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw DataFileError(path: path, problem: "no such file") }
        guard let file = gzopen(path, "rb") else {
            throw DataFileError(path: path, problem: "cannot be opened (\(String(cString: strerror(errno))))")
        }
        self.file = file
        _ = gzbuffer(file, 1 << 17)
    }

    func close() { gzclose(file) }

    func fail(_ problem: String) -> DataFileError { DataFileError(path: path, problem: problem) }

    /// Reads exactly `count` bytes into `buffer`; returns how many arrived before end of file.
    func readBytes(_ buffer: UnsafeMutableRawPointer, _ count: Int) throws -> Int {
        var done = 0
        while done < count {
            let chunk = UInt32(min(count - done, 1 << 30))
            let got = gzread(file, buffer + done, chunk)
            if got < 0 {
                var code: Int32 = 0
                let message = String(cString: gzerror(file, &code))
                throw fail("is corrupt: zlib says \"\(message)\"")
            }
            if got == 0 { break }
            done += Int(got)
        }
        // zlib reports a gzip stream cut short only through gzerror after the short read
        var code: Int32 = 0
        let message = gzerror(file, &code)
        if code != Z_OK {
            let text = message.map { String(cString: $0) } ?? "error \(code)"
            throw fail(code == Z_BUF_ERROR ? "is truncated: zlib says \"\(text)\"" : "is corrupt: zlib says \"\(text)\"")
        }
        return done
    }

    /// The magic number and dimensions, checked: the dimensions and their product.
    func header() throws -> (dimensions: [Int], total: Int) {
        var magic = [UInt8](repeating: 0, count: 4)
        let magicBytes = try magic.withUnsafeMutableBytes { try readBytes($0.baseAddress!, 4) }
        guard magicBytes == 4 else { throw fail("is truncated: \(magicBytes) bytes, shorter than the 4-byte IDX magic number") }
        guard magic[0] == 0, magic[1] == 0 else {
            // The file's bytes are not quoted: an error may reach an HTTP client that named the file.
            throw fail("is not an IDX file: its first two bytes are not the IDX magic number's zeros")
        }
        guard magic[2] == 0x08 else {
            throw fail(String(format: "has IDX type 0x%02X; only 0x08 (unsigned bytes) is supported", magic[2]))
        }
        let rank = Int(magic[3])
        guard (1...4).contains(rank) else { throw fail("declares \(rank) dimensions; expected 1 to 4") }

        var header = [UInt8](repeating: 0, count: 4 * rank)
        let headerBytes = try header.withUnsafeMutableBytes { try readBytes($0.baseAddress!, 4 * rank) }
        guard headerBytes == 4 * rank else { throw fail("is truncated inside its header of \(rank) dimensions") }
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
        return (dimensions, total)
    }
}
