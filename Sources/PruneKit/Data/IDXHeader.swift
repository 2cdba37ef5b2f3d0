import Foundation

/// The dimensions an IDX file announces, read from its first bytes only (through zlib, so a
/// gzipped file costs one small inflate): what a cost estimate needs without loading the data.
/// The checks are those of `IDXArray.read` that the header alone allows.
public enum IDXHeader {
    /// The file's dimensions, e.g. [60000, 28, 28]; errors name the file and what is wrong.
    public static func dimensions(of url: URL) throws -> [Int] {
        let stream = try IDXStream(url)
        defer { stream.close() }
        return try stream.header().dimensions
    }
}
