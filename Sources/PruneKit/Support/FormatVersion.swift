/// Versions of PruneLab and of the files it writes, so that a later version can tell what wrote
/// a file and migrate it explicitly. A reader accepts every version up to its own; files without
/// a version were written by the first (version 1).
package enum FormatVersion {
    /// This build of PruneLab.
    package static let prunelab = "0.4.0"
    /// Job records (`state/jobs/{id}.json`): 2 adds `attempt_log`, `cores` and `format_version`.
    package static let jobRecord = 2
    /// Checkpoints (safetensors metadata `format_version`): 2 adds the producer's version and kernels.
    package static let checkpoint = 2
    /// results.csv, told apart by its header (`ResultsCSV.formatVersion(ofHeader:)`): 1 the first 15
    /// columns, 2 adds schedules, controls, layers and costs, 3 adds `host` and `cpu`.
    package static let results = 3
}
