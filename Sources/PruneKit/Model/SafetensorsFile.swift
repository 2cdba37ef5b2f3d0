import Foundation

/// The element types PruneLab reads from safetensors files: weights in F32, F16 or BF16 (all
/// become F32 on load), I64 for the indices of CSR exports, and U8 for the packed masks of
/// stored points (`CompactNetwork`).
public enum SafetensorsDType: String, CaseIterable, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64", u8 = "U8"

    var size: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .i64: 8
        case .u8: 1
        }
    }

    var isFloat: Bool { self == .f32 || self == .f16 || self == .bf16 }
}

/// A safetensors file whose header has been read and checked, tensors not yet loaded: enough
/// to learn a network's shape cheaply (admission) and to load each tensor as `Float`s later.
///
/// Hardened against files written by anyone: a header length beyond the file or over 100 MB,
/// JSON that is not an object, unknown dtypes, shapes that do not match their bytes, and
/// offsets out of range or overlapping are each an error naming the file and the tensor.
public struct SafetensorsFile: Sendable {
    /// One tensor's header entry: where its bytes are and how to read them.
    public struct Tensor: Sendable, Equatable {
        /// The tensor's key in the header, e.g. `0.weight`.
        public let name: String
        /// Element type of the stored bytes.
        public let dtype: SafetensorsDType
        /// Size of each dimension, outermost first.
        public let shape: [Int]
        /// Bytes relative to the start of the data (after the header).
        let range: Range<Int>
    }

    /// The file the header was read from; tensor data is read from it on demand.
    public let url: URL
    /// Every tensor of the file by name.
    public let tensors: [String: Tensor]
    /// The header's `__metadata__` strings (empty when there are none).
    public let metadata: [String: String]
    let dataStart: Int

    /// Reads and checks the header only.
    public init(url: URL) throws {
        self.url = url
        func fail(_ problem: String) -> DataFileError { DataFileError(path: url.path, problem: problem) }
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch { throw fail("cannot be read (\(error.localizedDescription))") }
        defer { try? handle.close() }
        let fileSize = Int((try? handle.seekToEnd()) ?? 0)
        try? handle.seek(toOffset: 0)
        let lengthBytes = (try? handle.read(upToCount: 8)) ?? Data()
        guard lengthBytes.count == 8 else { throw fail("is \(lengthBytes.count) bytes long, shorter than the 8-byte header length of a safetensors file") }
        let headerLength = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(Safetensors.maxHeaderLength) else {
            throw fail("declares a \(headerLength)-byte header; at most \(Safetensors.maxHeaderLength) bytes are read")
        }
        guard 8 + Int(headerLength) <= fileSize else {
            throw fail("declares a \(headerLength)-byte header but the file has \(fileSize - 8) bytes after the length")
        }
        let headerData = (try? handle.read(upToCount: Int(headerLength))) ?? Data()
        guard headerData.count == Int(headerLength),
              let header = try? JSONSerialization.jsonObject(with: headerData, options: [.fragmentsAllowed]) as? [String: Any] else {
            throw fail("has a header that is not a JSON object")
        }
        dataStart = 8 + Int(headerLength)
        let dataLength = fileSize - dataStart

        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let strings = value as? [String: String] else { throw fail("has __metadata__ that is not an object of strings") }
                metadata = strings
                continue
            }
            guard let info = value as? [String: Any] else { throw fail("tensor \"\(name)\" is not described by a JSON object") }
            guard let dtypeName = info["dtype"] as? String else { throw fail("tensor \"\(name)\" has no dtype") }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw fail("tensor \"\(name)\" has dtype \(dtypeName); PruneLab reads \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let rawShape = info["shape"] as? [Any],
                  let shape = Optional(rawShape.compactMap { ($0 as? NSNumber)?.intValue }),
                  shape.count == rawShape.count, shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
                throw fail("tensor \"\(name)\" has no valid shape (a list of non-negative integers)")
            }
            guard let rawOffsets = info["data_offsets"] as? [Any], rawOffsets.count == 2,
                  let begin = (rawOffsets[0] as? NSNumber)?.intValue, let end = (rawOffsets[1] as? NSNumber)?.intValue,
                  begin >= 0, begin <= end, end <= dataLength else {
                throw fail("tensor \"\(name)\" has data_offsets outside the \(dataLength) bytes of data")
            }
            let (elements, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, elements * dtype.size == end - begin else {
                throw fail("tensor \"\(name)\" of shape \(shape) and dtype \(dtypeName) needs \(overflow ? "more" : String(elements * dtype.size)) bytes but its data_offsets span \(end - begin)")
            }
            tensors[name] = Tensor(name: name, dtype: dtype, shape: shape, range: begin..<end)
        }
        let sorted = tensors.values.filter { !$0.range.isEmpty }.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.range.upperBound > b.range.lowerBound {
            throw fail("has tensors \"\(a.name)\" and \"\(b.name)\" whose data overlaps (bytes \(b.range.lowerBound)..<\(a.range.upperBound))")
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor's bytes as stored (little-endian elements), checked to be all there.
    public func bytes(_ tensor: Tensor) throws -> Data {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw DataFileError(path: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(dataStart + tensor.range.lowerBound))
        let bytes = (try handle.read(upToCount: tensor.range.count)) ?? Data()
        guard bytes.count == tensor.range.count else {
            throw DataFileError(path: url.path, problem: "ends inside tensor \"\(tensor.name)\"")
        }
        return bytes
    }

    /// The tensor's values as F32 (F16 and BF16 converted, F32 bit for bit), in the file's row-major order.
    public func floats(_ tensor: Tensor) throws -> [Float] {
        let bytes = try bytes(tensor)
        let count = tensor.range.count / tensor.dtype.size
        return bytes.withUnsafeBytes { raw -> [Float] in
            switch tensor.dtype {
            case .f32:
                return (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            case .f16:
                return (0..<count).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))) }
            case .bf16:
                return (0..<count).map { Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16) }
            case .i64:
                return (0..<count).map { Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
            case .u8:
                return raw.map { Float($0) }
            }
        }
    }

    /// Values of a tensor to write: F32 weights, I64 indices (CSR exports), or U8 bytes (packed masks).
    public enum Values: Sendable {
        case f32([Float])
        case i64([Int64])
        case u8([UInt8])

        var dtype: String {
            switch self {
            case .f32: "F32"
            case .i64: "I64"
            case .u8: "U8"
            }
        }
        var byteCount: Int {
            switch self {
            case .f32(let v): v.count * 4
            case .i64(let v): v.count * 8
            case .u8(let v): v.count
            }
        }
    }

    /// Writes the tensors (data in this order) with the metadata, atomically.
    public static func write(_ tensors: [(name: String, shape: [Int], values: Values)], metadata: [String: String], to url: URL) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.values.byteCount
            header[tensor.name] = ["dtype": tensor.values.dtype, "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var headerBytes = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        let padding = (Safetensors.headerAlignment - headerBytes.count % Safetensors.headerAlignment) % Safetensors.headerAlignment
        headerBytes.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: padding))
        var file = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(headerBytes)
        for tensor in tensors {
            switch tensor.values {
            case .f32(let v): v.map { $0.bitPattern.littleEndian }.withUnsafeBytes { file.append(contentsOf: $0) }
            case .i64(let v): v.map { $0.littleEndian }.withUnsafeBytes { file.append(contentsOf: $0) }
            case .u8(let v): file.append(contentsOf: v)
            }
        }
        try AtomicFile.write(file, to: url)
    }
}
