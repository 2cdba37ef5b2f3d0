import Foundation

extension WorkUnitRunner {
    /// The units of a job whose reports are `Report/`'s summary and charts, as a single run's: what a worker runs.
    public init(spec: SweepSpec, jobFolder: URL) {
        self.init(spec: spec, jobFolder: jobFolder) { spec, folder in SweepReports(spec: spec, outputDirectory: folder) }
    }
}
