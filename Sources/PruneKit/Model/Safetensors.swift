import Foundation

/// Reads and writes MLPs in the safetensors format (https://github.com/huggingface/safetensors):
/// an 8-byte little-endian header length N, N bytes of JSON header, then the raw tensor bytes.
/// The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`
/// (offsets relative to the end of the header) and may hold `"__metadata__"` (string to string).
///
/// Tensors are `layers.{i}.weight` with shape `[inputs, outputs]` and, for models with biases,
/// `layers.{i}.bias` with shape `[outputs]`; all F32 little-endian.
public enum Safetensors {
    /// The header is padded with spaces to a multiple of this (the format's recommendation),
    /// so the tensor data starts aligned.
    static let headerAlignment = 8
    /// Headers above this are refused (the reference implementation's limit), as corrupt.
    static let maxHeaderLength = 100 << 20

    /// Writes `model` to `url` atomically (temporary file in the same folder, then rename), so a
    /// reader never sees half a checkpoint.
    public static func write(_ model: MLP, to url: URL, metadata: [String: String] = [:]) throws {
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        for (i, w) in model.weights.enumerated() {
            tensors.append(("layers.\(i).weight", [w.rows, w.cols], w.data))
            if model.hasBias { tensors.append(("layers.\(i).bias", [w.cols], model.biases[i])) }
        }
        var header: [String: Any] = [:]
        // What wrote the file, so that a later version can migrate it; the caller's keys win.
        let provenance = ["producer": "prunelab", "prunelab_version": FormatVersion.prunelab,
                          "format_version": String(FormatVersion.checkpoint), "blas_kernels": BLASKernelSelection.coreName]
        header["__metadata__"] = provenance.merging(metadata) { _, caller in caller }
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.values.count * MemoryLayout<Float>.size
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var headerBytes = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        let padding = (headerAlignment - headerBytes.count % headerAlignment) % headerAlignment
        headerBytes.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: padding))

        var file = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(headerBytes)
        for tensor in tensors {
            let littleEndian = tensor.values.map { $0.bitPattern.littleEndian }
            littleEndian.withUnsafeBytes { file.append(contentsOf: $0) }
        }
        try AtomicFile.write(file, to: url)
    }

    /// The `__metadata__` strings of a safetensors file (empty when it has none).
    public static func metadata(of url: URL) throws -> [String: String] {
        func fail(_ problem: String) -> DataFileError { DataFileError(path: url.path, problem: problem) }
        // Only the header is read: a checkpoint's weights can be large.
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch { throw fail("cannot be read (\(error.localizedDescription))") }
        defer { try? handle.close() }
        let lengthBytes = (try? handle.read(upToCount: 8)) ?? Data()
        guard lengthBytes.count == 8 else { throw fail("is \(lengthBytes.count) bytes long, shorter than the 8-byte header length") }
        let headerLength = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(maxHeaderLength) else { throw fail("declares a \(headerLength)-byte header") }
        let headerData = (try? handle.read(upToCount: Int(headerLength))) ?? Data()
        guard headerData.count == Int(headerLength) else {
            throw fail("declares a \(headerLength)-byte header but the file has \(headerData.count) bytes after the length")
        }
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw fail("has a header that is not a JSON object")
        }
        guard let metadata = header["__metadata__"] else { return [:] }
        guard let strings = metadata as? [String: String] else { throw fail("has __metadata__ that is not an object of strings") }
        return strings
    }


    /// The file's bytes, its parsed JSON header, and where the tensor data starts.
    private static func readHeader(_ url: URL) throws -> (header: [String: Any], file: Data, dataStart: Int) {
        func fail(_ problem: String) -> DataFileError { DataFileError(path: url.path, problem: problem) }
        let file: Data
        do { file = try Data(contentsOf: url) } catch { throw fail("cannot be read (\(error.localizedDescription))") }
        guard file.count >= 8 else { throw fail("is \(file.count) bytes long, shorter than the 8-byte header length") }
        let headerLength = file.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(maxHeaderLength), 8 + Int(headerLength) <= file.count else {
            throw fail("declares a \(headerLength)-byte header but the file has \(file.count - 8) bytes after the length")
        }
        let dataStart = 8 + Int(headerLength)
        let headerData = file.subdata(in: 8..<dataStart)
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw fail("has a header that is not a JSON object")
        }
        return (header, file, dataStart)
    }

    /// Reads an MLP written by `write` (or any safetensors file holding F32 tensors named as
    /// above). Errors name the file and what is wrong: a short file, a malformed header, a
    /// missing or misshapen tensor, offsets out of bounds or overlapping, a dtype other than F32.
    public static func read(from url: URL) throws -> MLP {
        func fail(_ problem: String) -> DataFileError { DataFileError(path: url.path, problem: problem) }
        let (header, file, dataStart) = try readHeader(url)
        let dataLength = file.count - dataStart

        struct TensorEntry { let shape: [Int]; let range: Range<Int> }
        var entries: [String: TensorEntry] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any] else { throw fail("tensor \"\(name)\" is not described by a JSON object") }
            guard let dtype = info["dtype"] as? String else { throw fail("tensor \"\(name)\" has no dtype") }
            guard dtype == "F32" else { throw fail("tensor \"\(name)\" has dtype \(dtype); only F32 is supported") }
            guard let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  shape.allSatisfy({ $0 >= 0 }), (info["shape"] as? [Any])?.count == shape.count else {
                throw fail("tensor \"\(name)\" has no valid shape (a list of non-negative integers)")
            }
            guard let offsets = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
                throw fail("tensor \"\(name)\" has data_offsets outside the \(dataLength) bytes of data")
            }
            let expected = shape.reduce(1, *) * MemoryLayout<Float>.size
            guard offsets[1] - offsets[0] == expected else {
                throw fail("tensor \"\(name)\" of shape \(shape) needs \(expected) bytes but its data_offsets span \(offsets[1] - offsets[0])")
            }
            entries[name] = TensorEntry(shape: shape, range: offsets[0]..<offsets[1])
        }
        let sorted = entries.values.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.upperBound > b.lowerBound {
            throw fail("has tensors whose data overlaps (bytes \(b.lowerBound)..<\(a.upperBound))")
        }

        func floats(_ entry: TensorEntry) -> [Float] {
            let count = entry.range.count / MemoryLayout<Float>.size
            return file.withUnsafeBytes { raw in
                (0..<count).map { i in
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: dataStart + entry.range.lowerBound + 4 * i, as: UInt32.self)))
                }
            }
        }

        var weights: [Matrix] = []
        var biases: [[Float]] = []
        while let entry = entries.removeValue(forKey: "layers.\(weights.count).weight") {
            let i = weights.count
            guard entry.shape.count == 2 else { throw fail("tensor \"layers.\(i).weight\" has shape \(entry.shape); expected [inputs, outputs]") }
            if let previous = weights.last, previous.cols != entry.shape[0] {
                throw fail("tensor \"layers.\(i).weight\" takes \(entry.shape[0]) inputs but layer \(i - 1) has \(previous.cols) outputs")
            }
            weights.append(Matrix(rows: entry.shape[0], cols: entry.shape[1], data: floats(entry)))
            if let bias = entries.removeValue(forKey: "layers.\(i).bias") {
                guard bias.shape == [entry.shape[1]] else {
                    throw fail("tensor \"layers.\(i).bias\" has shape \(bias.shape); expected [\(entry.shape[1])]")
                }
                biases.append(floats(bias))
            }
        }
        guard !weights.isEmpty else { throw fail("holds no tensor \"layers.0.weight\"") }
        guard biases.isEmpty || biases.count == weights.count else {
            throw fail("has biases for \(biases.count) of its \(weights.count) layers; expected all or none")
        }
        if let stray = entries.keys.sorted().first {
            throw fail("holds tensor \"\(stray)\", which is not part of an MLP of \(weights.count) layers")
        }
        return MLP(weights: weights, biases: biases)
    }
}
