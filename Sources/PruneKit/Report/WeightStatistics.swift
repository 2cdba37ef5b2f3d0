import Foundation

/// Counts of values falling into equal-width bins over `0...upper`.
public struct Histogram: Codable, Equatable, Sendable {
    /// Right edge of the last bin; the bins cover `0...upper`.
    public var upper: Double
    /// How many values fell into each bin, lowest bin first.
    public var counts: [Int]

    /// Number of values binned.
    public var total: Int { counts.reduce(0, +) }
    /// Width of one bin, `upper / counts.count`.
    public var binWidth: Double { upper / Double(counts.count) }

    /// Bins non-negative `values` into `bins` bins from 0 to their maximum (the maximum falls in
    /// the last bin), or to `atLeast` when that is larger: histograms meant to be compared share it.
    public init<S: Sequence>(_ values: S, bins: Int, atLeast: Double? = nil) where S.Element == Double {
        precondition(bins > 0, "a histogram needs at least one bin")
        let all = Array(values)
        let maximum = max(all.filter(\.isFinite).max() ?? 0, atLeast.flatMap { $0.isFinite ? $0 : nil } ?? 0)
        upper = maximum > 0 ? maximum : 1
        counts = [Int](repeating: 0, count: bins)
        for v in all where v.isFinite {
            let bin = Int(v / upper * Double(bins))
            counts[min(max(bin, 0), bins - 1)] += 1
        }
    }

    /// The histogram of `|w|` over `weights` (leaving out zeros when `skippingZeros`), the same as
    /// the general initialiser gives, in two passes over the floats instead of arrays of doubles:
    /// a weight sheet is drawn for every point, over every weight of the network.
    public init(magnitudesOf weights: [Float], skippingZeros: Bool, bins: Int, atLeast: Double? = nil) {
        precondition(bins > 0, "a histogram needs at least one bin")
        // Plain loops over the floats (Swift's `max` keeps NaN rules, which the finite values here
        // need not, and ran at a few cycles a weight). On the calling thread, not in `Parallel`'s
        // pieces: those flush denormals, and an imported network's subnormal weights must count.
        var largest: Float = 0
        weights.withUnsafeBufferPointer { all in
            for w in all {
                let magnitude = abs(w)
                if magnitude.isFinite && magnitude > largest { largest = magnitude }
            }
        }
        let maximum = max(Double(largest), atLeast.flatMap { $0.isFinite ? $0 : nil } ?? 0)
        let upper = maximum > 0 ? maximum : 1
        self.upper = upper
        var counts = [Int](repeating: 0, count: bins)
        weights.withUnsafeBufferPointer { all in
            counts.withUnsafeMutableBufferPointer { counts in
                let scale = Double(bins)
                for w in all {
                    let magnitude = abs(w)
                    guard magnitude.isFinite, !(skippingZeros && magnitude == 0) else { continue }
                    let bin = Int(Double(magnitude) / upper * scale)
                    counts[min(max(bin, 0), bins - 1)] += 1
                }
            }
        }
        self.counts = counts
    }
}

/// What weights.svg shows for one layer: the distribution of |w| and of the output units'
/// column L2 norms (the quantities weight and unit pruning rank by).
public struct LayerWeightStatistics: Codable, Equatable, Sendable {
    /// Zero-based index of the layer in the network.
    public var layer: Int
    /// Rows of the layer's weight matrix (its inputs).
    public var inputs: Int
    /// Columns of the layer's weight matrix (its output units).
    public var outputs: Int
    /// Distribution of |w| over every weight of the layer.
    public var magnitudes: Histogram
    /// Distribution of the output units' column L2 norms.
    public var columnNorms: Histogram

    enum CodingKeys: String, CodingKey { case layer, inputs, outputs, magnitudes, columnNorms = "column_norms" }

    /// Statistics from histograms already made.
    public init(layer: Int, inputs: Int, outputs: Int, magnitudes: Histogram, columnNorms: Histogram) {
        self.layer = layer
        self.inputs = inputs
        self.outputs = outputs
        self.magnitudes = magnitudes
        self.columnNorms = columnNorms
    }

    /// Computes both histograms of one layer's `weights` (in × out) with `bins` bins each.
    public init(layer: Int, weights: Matrix, bins: Int = 40) {
        self.layer = layer
        inputs = weights.rows
        outputs = weights.cols
        magnitudes = Histogram(magnitudesOf: weights.data, skippingZeros: false, bins: bins)
        columnNorms = Histogram(Self.columnNorms(weights), bins: bins)
    }

    /// L2 norm of every column (output unit) of `weights`.
    public static func columnNorms(_ weights: Matrix) -> [Double] {
        // The very norms unit pruning ranks by.
        UnitSelection.columnNorms(weights)
    }

    /// The layers pruning touches: all but the last, unless the last is pruned too.
    public static func prunableLayers(of model: MLP, pruneLastLayer: Bool, bins: Int = 40) -> [LayerWeightStatistics] {
        let count = pruneLastLayer ? model.layerCount : max(model.layerCount - 1, 1)
        return (0..<count).map { LayerWeightStatistics(layer: $0, weights: model.weights[$0], bins: bins) }
    }
}
