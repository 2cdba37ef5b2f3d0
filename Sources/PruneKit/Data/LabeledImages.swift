/// A set of labelled samples whose features stay `UInt8` in memory (a quarter of the size of
/// `Float`); `fillBatch` scales just the samples a batch needs to [0, 1].
public struct LabeledImages: Sendable {
    public let count: Int
    public let features: Int
    /// `count * features` values, row-major: sample `i` is `pixels[i * features ..< (i + 1) * features]`.
    public let pixels: [UInt8]
    /// One class index per sample.
    public let labels: [UInt8]

    public init(features: Int, pixels: [UInt8], labels: [UInt8]) {
        precondition(features > 0, "samples need at least one feature")
        precondition(pixels.count == labels.count * features,
                     "\(labels.count) samples of \(features) features need \(labels.count * features) pixels, got \(pixels.count)")
        self.count = labels.count
        self.features = features
        self.pixels = pixels
        self.labels = labels
    }

    /// The first `limit` samples (all of them when `limit` is nil or not smaller).
    public func prefix(_ limit: Int?) -> LabeledImages {
        guard let limit, limit < count else { return self }
        return LabeledImages(features: features, pixels: Array(pixels[0..<limit * features]), labels: Array(labels[0..<limit]))
    }

    /// Writes the samples at `indices`, scaled to [0, 1], as consecutive rows at `destination`.
    func fillBatch<C: Collection>(_ indices: C, into destination: UnsafeMutablePointer<Float>) where C.Element == Int {
        let scale: Float = 1 / 255
        pixels.withUnsafeBufferPointer { source in
            var row = destination
            for index in indices {
                precondition(index >= 0 && index < count, "sample \(index) out of 0..<\(count)")
                let sample = source.baseAddress! + index * features
                for j in 0..<features { row[j] = Float(sample[j]) * scale }
                row += features
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
