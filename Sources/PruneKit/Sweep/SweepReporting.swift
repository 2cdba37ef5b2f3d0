import Foundation

/// What a sweep tells its reports as it goes: each repeat's trained model, and the rows after
/// every point. `Report/` writes the summary and the charts; the runner, before it in the data's
/// way, knows only this protocol.
public protocol SweepReporting: AnyObject {
    /// Repeat `repeatIndex` was trained (or loaded), scoring `baseline` on the test set unpruned.
    func modelTrained(_ model: MLP, repeatIndex: Int, baseline: Evaluation) throws
    /// The rows measured so far, in results.csv's order.
    func rowsChanged(_ rows: [ResultRow]) throws
    /// A point was measured: its row and the network measured (after the point's own training),
    /// so reports can show where the network was cut without keeping the network.
    func pointRecorded(row: ResultRow, network: PrunedNetwork) throws
    /// `rows` were merged from these shard folders (in shard order, `ShardMerge`): reports that
    /// keep per-point files take each point's from the first folder that has it.
    func shardsMerged(rows: [ResultRow], folders: [URL]) throws
    /// The run stops measuring (every point done, cancelled, or failed): reports too costly to
    /// redraw after every point (a sheet of all of them) are drawn once, here.
    func runEnded() throws
}

extension SweepReporting {
    /// Reports that draw nothing per point need not look at the networks.
    public func pointRecorded(row: ResultRow, network: PrunedNetwork) throws {}
    /// Reports that keep nothing per point have nothing to merge.
    public func shardsMerged(rows: [ResultRow], folders: [URL]) throws {}
    /// Reports that draw everything as rows come in have nothing left to draw.
    public func runEnded() throws {}
}
