import Foundation

extension ShardMerge {
    /// A merge that draws the summary and charts of `Report/`, as a single run does: what the CLI runs.
    public init(outputDirectory: URL) {
        self.init(outputDirectory: outputDirectory) { spec, folder in SweepReports(spec: spec, outputDirectory: folder) }
    }
}

extension ShardRunner {
    /// A shard that keeps where each of its points was cut (masks.json), for the merge: what the CLI runs.
    public init(spec: SweepSpec, shard: ShardIndex, outputDirectory: URL) {
        self.init(spec: spec, shard: shard, outputDirectory: outputDirectory) { spec, folder in SweepReports(spec: spec, outputDirectory: folder) }
    }
}
