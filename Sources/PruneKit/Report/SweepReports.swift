import Foundation

/// Writes the summary and the charts of a sweep into its output folder as rows come in,
/// so the files always show every point measured so far.
final class SweepReports: SweepReporting {
    let spec: SweepSpec
    let outputDirectory: URL
    /// The unpruned model's test metrics, one per repeat trained or loaded so far.
    var baselines: [Evaluation] = []
    /// Where each point was cut: masks.json as it stands, read back from an earlier run first,
    /// so a resumed sweep keeps the points it does not measure again.
    var masks: MaskFile?
    /// Each recorded point's entry of masks.json, encoded once (the file is rewritten after every
    /// point; encoding every entry again each time grew with the square of the points).
    var encodedMasks: [SweepPoint: Data] = [:]
    /// masks.svg lags masks.json: drawn when the run ends (`runEnded`), not after every point.
    var masksSheetStale = false

    init(spec: SweepSpec, outputDirectory: URL) {
        self.spec = spec
        self.outputDirectory = outputDirectory
    }

    private func write(_ text: String, _ name: String) throws {
        try AtomicFile.write(text, to: outputDirectory.appendingPathComponent(name))
    }

    func modelTrained(_ model: MLP, repeatIndex: Int, baseline: Evaluation) throws {
        if repeatIndex == 0 { try writeWeightsChart(model) }
        baselines.append(baseline)
        var file = masks ?? loadMasks(features: model.layerSizes[0])
        file.recordTrained(LayerWeightStatistics.prunableLayers(of: model, pruneLastLayer: spec.pruning.pruneLastLayer),
                           repeatIndex: repeatIndex)
        masks = file
    }

    func pointRecorded(row: ResultRow, network: PrunedNetwork) throws {
        var file = masks ?? loadMasks(features: network.originalLayerSizes[0])
        let summary = MaskSummary(point: row.point, network: network, trained: file.trainedWeights(repeatIndex: row.repeatIndex),
                                  pruneLastLayer: spec.pruning.pruneLastLayer)
        file.record(summary)
        encodedMasks[summary.point] = try MaskFile.encodedEntry(summary)
        masks = file
        try AtomicFile.write(file.encoded(reusing: &encodedMasks), to: outputDirectory.appendingPathComponent("masks.json"))
        masksSheetStale = true
    }

    func runEnded() throws {
        guard masksSheetStale, let masks else { return }
        try write(MasksChart.sheet(masks, title: spec.name), "masks.svg")
        masksSheetStale = false
    }

    func shardsMerged(rows: [ResultRow], folders: [URL]) throws {
        let shardFiles = folders.compactMap { try? MaskFile.read(folder: $0) }
        guard var file = masks ?? shardFiles.first.map({ MaskFile(inputShape: $0.inputShape) }) else { return }
        for row in rows {
            if let summary = shardFiles.lazy.compactMap({ $0.summary(of: row.point) }).first {
                file.record(summary)
                encodedMasks[summary.point] = nil
            }
        }
        try writeMasks(file)
    }

    private func writeMasks(_ file: MaskFile) throws {
        masks = file
        try AtomicFile.write(file.encoded(reusing: &encodedMasks), to: outputDirectory.appendingPathComponent("masks.json"))
        try write(MasksChart.sheet(file, title: spec.name), "masks.svg")
        masksSheetStale = false
    }

    /// masks.json of an earlier run of this folder, or an empty one. An unreadable file (or one
    /// of another input size) is started afresh: it only summarises, and the points measured
    /// from now on fill it again.
    private func loadMasks(features: Int) -> MaskFile {
        let shape = MaskSummary.inputShape(features: features)
        if let earlier = try? MaskFile.read(folder: outputDirectory), earlier.inputShape == shape { return earlier }
        return MaskFile(inputShape: shape)
    }

    func rowsChanged(_ rows: [ResultRow]) throws {
        try writeSummaryAndCharts(rows)
    }

    func writeSummaryAndCharts(_ rows: [ResultRow]) throws {
        let summary = SummaryRow.summarize(rows)
        let baseline = baselines.isEmpty ? nil : UnprunedBaseline(baselines)
        try write(SummaryCSV.encode(summary), "summary.csv")
        try write(SweepCharts.accuracy(summary, baseline: baseline, title: spec.name), "accuracy.svg")
        try write(SweepCharts.loss(summary, baseline: baseline, title: spec.name), "loss.svg")
        try write(SweepCharts.latency(summary, title: spec.name), "latency.svg")
        if summary.contains(where: { $0.compressionRatio != nil }) {
            try write(SweepCharts.accuracyCompression(summary, baseline: baseline, title: spec.name), "accuracy-compression.svg")
        }
        if let sensitivity = SweepCharts.sensitivity(summary, baseline: baseline, title: spec.name) {
            try write(sensitivity, "sensitivity.svg")
        }
        if let layers = SweepCharts.layers(summary, title: spec.name) { try write(layers, "layers.svg") }
    }

    func writeWeightsChart(_ model: MLP) throws {
        let layers = LayerWeightStatistics.prunableLayers(of: model, pruneLastLayer: spec.pruning.pruneLastLayer)
        try write(WeightsChart.svg(layers, title: "\(spec.name), trained model (repeat 0)"), "weights.svg")
    }
}

extension SweepRunner {
    /// A runner that writes the summary and charts of `Report/` as it goes: what the CLI and the
    /// service run.
    public init(spec: SweepSpec, outputDirectory: URL) {
        self.init(spec: spec, outputDirectory: outputDirectory) { spec, folder in SweepReports(spec: spec, outputDirectory: folder) }
    }
}
