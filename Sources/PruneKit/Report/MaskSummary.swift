import Foundation

/// Where one point's network was cut, small enough to keep for every point of a sweep: the
/// first layer's kept fraction per input feature, the weights and units each layer kept, and
/// the histograms of |w| and column norms of what is left. Computed while the point's network
/// is in memory and kept in masks.json, so charts and routes draw it later without the network.
public struct MaskSummary: Codable, Equatable, Sendable {
    /// The point's identity, as in results.csv.
    public var method: PruningMethod
    public var targetSparsity: Double
    public var repeatIndex: Int
    public var variant: PointVariant
    /// Each-layer scope: the only layer pruned; nil: all of them.
    public var layer: Int?
    /// Per input feature, the fraction of its first-layer connections still on a path to an
    /// output: a nonzero weight into a unit that still reaches an output through nonzero
    /// weights. 0 where every path is gone (with unit pruning: every unit it fed was deleted).
    public var inputKept: [Double]
    /// Per layer, what it kept of its original shape.
    public var layers: [LayerCut]
    /// Histograms of the nonzero weights left and the kept columns' norms, per prunable layer,
    /// on the same bins' range as the repeat's trained network where they fit in it.
    public var weights: [LayerWeightStatistics]

    /// What one layer kept.
    public struct LayerCut: Codable, Equatable, Sendable {
        /// Zero-based layer index.
        public var layer: Int
        /// Nonzero weights left, of `weightsTotal` = inputs × outputs of the original layer.
        public var weightsKept: Int
        public var weightsTotal: Int
        /// Output units still on a path from an input (or a nonzero bias) to an output, of `unitsTotal`.
        public var unitsKept: Int
        public var unitsTotal: Int

        enum CodingKeys: String, CodingKey {
            case layer, weightsKept = "weights_kept", weightsTotal = "weights_total", unitsKept = "units_kept", unitsTotal = "units_total"
        }
    }

    enum CodingKeys: String, CodingKey {
        case method, targetSparsity = "target_sparsity", repeatIndex = "repeat", variant, layer
        case inputKept = "input_kept", layers, weights
    }

    /// The point's identity.
    public var point: SweepPoint {
        SweepPoint(method: method, targetSparsity: targetSparsity, repeatIndex: repeatIndex, variant: variant, layer: layer)
    }

    /// The summary of `network`, the point `point`'s network; `trained` (the repeat's network
    /// before pruning, when known) sets the histograms' ranges so before and after line up.
    public init(point: SweepPoint, network: PrunedNetwork, trained: [LayerWeightStatistics]?, pruneLastLayer: Bool, bins: Int = 40) {
        method = point.method
        targetSparsity = point.targetSparsity
        repeatIndex = point.repeatIndex
        variant = point.variant
        layer = point.layer
        let model = network.expandedModel()
        let cut = Self.cut(of: model)
        inputKept = cut.inputKept.map { ($0 * 1e6).rounded() / 1e6 }
        layers = cut.layers
        let count = pruneLastLayer ? model.layerCount : max(model.layerCount - 1, 1)
        weights = (0..<count).map { l in
            let w = model.weights[l]
            let before = trained?.first { $0.layer == l }
            let norms = LayerWeightStatistics.columnNorms(w).filter { $0 > 0 }
            return LayerWeightStatistics(layer: l, inputs: w.rows, outputs: w.cols,
                                         magnitudes: Histogram(magnitudesOf: w.data, skippingZeros: true, bins: bins,
                                                               atLeast: before?.magnitudes.upper),
                                         columnNorms: Histogram(norms, bins: bins, atLeast: before?.columnNorms.upper))
        }
    }

    /// Kept fractions per input and per layer of a network of the original shape (pruned weights at zero).
    static func cut(of model: MLP) -> (inputKept: [Double], layers: [LayerCut]) {
        let count = model.layerCount
        // Plain loops over each layer's floats: this runs for every point over every weight.
        // Backward: a layer's output unit reaches an output when a nonzero weight leads from it
        // to a unit of the next layer that does (every output unit reaches itself).
        var reachesOutput = [[Bool]](repeating: [], count: count)
        reachesOutput[count - 1] = [Bool](repeating: true, count: model.weights[count - 1].cols)
        for l in stride(from: count - 2, through: 0, by: -1) {
            let next = model.weights[l + 1]
            let reachedAfter = reachesOutput[l + 1]
            reachesOutput[l] = next.data.withUnsafeBufferPointer { data in
                (0..<next.rows).map { unit in
                    let row = data.baseAddress! + unit * next.cols
                    for c in 0..<next.cols where row[c] != 0 && reachedAfter[c] { return true }
                    return false
                }
            }
        }
        // Forward: a unit is fed when a nonzero weight comes from a fed unit (every input is fed) or its bias is nonzero.
        var fed = [Bool](repeating: true, count: model.weights[0].rows)
        var layers: [LayerCut] = []
        for l in 0..<count {
            let w = model.weights[l]
            // Row by row (the weights' own order) rather than down each column: the same flags.
            var fedHere = (0..<w.cols).map { unit in model.hasBias && model.biases[l][unit] != 0 }
            var nonzero = 0
            w.data.withUnsafeBufferPointer { data in
                fedHere.withUnsafeMutableBufferPointer { fedHere in
                    for r in 0..<w.rows {
                        let row = data.baseAddress! + r * w.cols
                        var rowNonzero = 0
                        if fed[r] {
                            for c in 0..<w.cols where row[c] != 0 {
                                fedHere[c] = true
                                rowNonzero += 1
                            }
                        } else {
                            for c in 0..<w.cols where row[c] != 0 { rowNonzero += 1 }
                        }
                        nonzero += rowNonzero
                    }
                }
            }
            let kept = (0..<w.cols).filter { fedHere[$0] && reachesOutput[l][$0] }.count
            layers.append(LayerCut(layer: l, weightsKept: nonzero, weightsTotal: w.count, unitsKept: kept, unitsTotal: w.cols))
            fed = fedHere
        }
        let first = model.weights[0]
        let reachedFirst = reachesOutput[0]
        let inputKept = first.data.withUnsafeBufferPointer { data in
            (0..<first.rows).map { r in
                let row = data.baseAddress! + r * first.cols
                var kept = 0
                for c in 0..<first.cols where row[c] != 0 && reachedFirst[c] { kept += 1 }
                return Double(kept) / Double(max(first.cols, 1))
            }
        }
        return (inputKept, layers)
    }

    /// How an input of `features` values is drawn: 28×28 for MNIST-like images, else a bar.
    public static func inputShape(features: Int) -> [Int] {
        features == 784 ? [28, 28] : [features]
    }
}

/// masks.json: the sweep's input shape, each repeat's trained network's histograms (the
/// "before"), and one `MaskSummary` per recorded point (the "after"), keyed by the point.
public struct MaskFile: Codable, Equatable, Sendable {
    /// Bumped when the layout changes.
    public var formatVersion = 1
    /// `[28, 28]` or `[features]`: how heat maps are drawn.
    public var inputShape: [Int]
    /// Per repeat, the trained network's histograms (before pruning).
    public var trained: [TrainedWeights]
    /// Every recorded point, in the order first recorded (a point recorded again replaces its entry).
    public var points: [MaskSummary]

    public struct TrainedWeights: Codable, Equatable, Sendable {
        public var repeatIndex: Int
        public var weights: [LayerWeightStatistics]
        enum CodingKeys: String, CodingKey { case repeatIndex = "repeat", weights }
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", inputShape = "input_shape", trained, points
    }

    public init(inputShape: [Int], trained: [TrainedWeights] = [], points: [MaskSummary] = []) {
        self.inputShape = inputShape
        self.trained = trained
        self.points = points
    }

    /// The trained network's histograms of repeat `r`.
    public func trainedWeights(repeatIndex r: Int) -> [LayerWeightStatistics]? {
        trained.first { $0.repeatIndex == r }?.weights
    }

    /// The summary of `point`, if recorded.
    public func summary(of point: SweepPoint) -> MaskSummary? {
        points.first { $0.point == point }
    }

    /// Adds or replaces the summary of its point.
    public mutating func record(_ summary: MaskSummary) {
        if let i = points.firstIndex(where: { $0.point == summary.point }) { points[i] = summary } else { points.append(summary) }
    }

    /// Sets repeat `r`'s trained histograms.
    public mutating func recordTrained(_ weights: [LayerWeightStatistics], repeatIndex r: Int) {
        trained.removeAll { $0.repeatIndex == r }
        trained.append(TrainedWeights(repeatIndex: r, weights: weights))
        trained.sort { $0.repeatIndex < $1.repeatIndex }
    }

    /// The file's JSON, keys sorted.
    public func encoded() throws -> Data {
        try Self.encoder.encode(self)
    }

    /// The same bytes as `encoded()`, built from each point's entry as encoded once: `entries`
    /// holds them by point and gains those it lacks (an entry recorded again must be replaced
    /// there by its recorder). The keys sorted, as `encoded()` writes them.
    public func encoded(reusing entries: inout [SweepPoint: Data]) throws -> Data {
        let encoder = Self.encoder
        var data = Data("{\"format_version\":".utf8)
        data.append(try encoder.encode(formatVersion))
        data.append(contentsOf: Array(",\"input_shape\":".utf8))
        data.append(try encoder.encode(inputShape))
        data.append(contentsOf: Array(",\"points\":[".utf8))
        for (i, summary) in points.enumerated() {
            if i > 0 { data.append(UInt8(ascii: ",")) }
            if let entry = entries[summary.point] {
                data.append(entry)
            } else {
                let entry = try encoder.encode(summary)
                entries[summary.point] = entry
                data.append(entry)
            }
        }
        data.append(contentsOf: Array("],\"trained\":".utf8))
        data.append(try encoder.encode(trained))
        data.append(UInt8(ascii: "}"))
        return data
    }

    /// One point's entry of the `points` array, as `encoded()` writes it.
    public static func encodedEntry(_ summary: MaskSummary) throws -> Data {
        try encoder.encode(summary)
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// masks.json of `folder`; nil when there is none.
    public static func read(folder: URL) throws -> MaskFile? {
        let url = folder.appendingPathComponent("masks.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try JSONDecoder().decode(MaskFile.self, from: data)
    }
}
