import CKernels
/// A set of labelled samples. Byte samples (IDX images, uint8 arrays) stay `UInt8` in memory
/// (a quarter of the size of `Float`) and `fillBatch` scales just the samples a batch needs to
/// [0, 1]; float samples (float32 arrays, CSV columns) are used as given.
public struct LabeledImages: Sendable {
    /// How the feature values are held.
    public enum Values: Sendable, Equatable {
        /// Scaled by 1/255 when read, as IDX images are.
        case bytes([UInt8])
        /// Used as given.
        case floats([Float])

        var count: Int {
            switch self {
            case .bytes(let v): v.count
            case .floats(let v): v.count
            }
        }
    }

    /// Number of samples.
    public let count: Int
    /// Values per sample.
    public let features: Int
    /// `count * features` values, row-major: sample `i` is `[i * features ..< (i + 1) * features]`.
    public let values: Values
    /// One class index per sample.
    public let labels: [UInt8]

    /// Byte samples (IDX images, uint8 arrays), kept as bytes until a batch needs floats.
    public init(features: Int, pixels: [UInt8], labels: [UInt8]) {
        self.init(features: features, values: .bytes(pixels), labels: labels)
    }

    /// Samples of either storage; `values` must hold `features` values per label.
    public init(features: Int, values: Values, labels: [UInt8]) {
        precondition(features > 0, "samples need at least one feature")
        precondition(values.count == labels.count * features,
                     "\(labels.count) samples of \(features) features need \(labels.count * features) values, got \(values.count)")
        self.count = labels.count
        self.features = features
        self.values = values
        self.labels = labels
    }

    /// The byte values of a byte set (empty for a float set).
    public var pixels: [UInt8] {
        if case .bytes(let v) = values { return v }
        return []
    }

    /// The first `limit` samples (all of them when `limit` is nil or not smaller).
    public func prefix(_ limit: Int?) -> LabeledImages {
        guard let limit, limit < count else { return self }
        let n = limit * features
        switch values {
        case .bytes(let v): return LabeledImages(features: features, values: .bytes(Array(v[0..<n])), labels: Array(labels[0..<limit]))
        case .floats(let v): return LabeledImages(features: features, values: .floats(Array(v[0..<n])), labels: Array(labels[0..<limit]))
        }
    }

    /// Writes the samples at `indices` (bytes scaled to [0, 1]) as consecutive rows at `destination`.
    func fillBatch<C: Collection>(_ indices: C, into destination: UnsafeMutablePointer<Float>) where C.Element == Int {
        var row = destination
        switch values {
        case .bytes(let pixels):
            // Random rows of a set far larger than the caches: the C loop prefetches rows ahead.
            let gather = { (rows: UnsafeBufferPointer<Int>) in
                for index in rows { precondition(index >= 0 && index < count, "sample \(index) out of 0..<\(count)") }
                precondition(MemoryLayout<Int>.size == MemoryLayout<Int64>.size, "the C gather takes 64-bit indices")
                pixels.withUnsafeBufferPointer { source in
                    rows.withMemoryRebound(to: Int64.self) { rowIndices in
                        guard let first = rowIndices.baseAddress, let bytes = source.baseAddress else { return }
                        prunelab_gather_scaled_bytes(KernelInstructionSet.best.rawValue, bytes, first, Int64(rowIndices.count),
                                                     Int64(features), 1 / 255, destination)
                    }
                }
            }
            if indices.withContiguousStorageIfAvailable(gather) == nil { Array(indices).withUnsafeBufferPointer(gather) }
        case .floats(let floats):
            floats.withUnsafeBufferPointer { source in
                for index in indices {
                    precondition(index >= 0 && index < count, "sample \(index) out of 0..<\(count)")
                    row.update(from: source.baseAddress! + index * features, count: features)
                    row += features
                }
            }
        }
    }

    /// The labels at `indices`, as the `Int`s the loss consumes.
    func labels<C: Collection>(at indices: C, into destination: UnsafeMutablePointer<Int32>) where C.Element == Int {
        var out = destination
        for index in indices {
            out.pointee = Int32(labels[index])
            out += 1
        }
    }
}
