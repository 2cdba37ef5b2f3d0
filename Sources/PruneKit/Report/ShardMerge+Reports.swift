import Foundation

extension ShardMerge {
    /// A merge that draws the summary and charts of `Report/`, as a single run does: what the CLI runs.
    public init(outputDirectory: URL) {
        self.init(outputDirectory: outputDirectory) { spec, folder in SweepReports(spec: spec, outputDirectory: folder) }
    }
}
