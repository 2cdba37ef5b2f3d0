import Foundation

/// The reports of a part of a sweep (a shard, a work unit): keeps each repeat's unpruned test
/// metrics, and hands the trained models and measured points to the reports that keep per-point
/// files (masks.json); draws no summary or charts, which are drawn once from every part's rows.
final class PerPointReports: SweepReporting, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int: Evaluation] = [:]
    var perPoint: SweepReporting?

    /// The repeats trained or loaded, in repeat order.
    var baselines: [ShardManifest.Baseline] {
        lock.withLock { recorded.map { ShardManifest.Baseline(repeatIndex: $0.key, evaluation: $0.value) } }
            .sorted { $0.repeatIndex < $1.repeatIndex }
    }

    func modelTrained(_ model: MLP, repeatIndex: Int, baseline: Evaluation) throws {
        lock.withLock { recorded[repeatIndex] = baseline }
        try perPoint?.modelTrained(model, repeatIndex: repeatIndex, baseline: baseline)
    }

    func pointRecorded(row: ResultRow, network: PrunedNetwork) throws {
        try perPoint?.pointRecorded(row: row, network: network)
    }

    func rowsChanged(_ rows: [ResultRow]) throws {}

    func runEnded() throws {
        try perPoint?.runEnded()
    }
}
