import Foundation

/// The TensorFlow side of `prunelab bench --vs-tensorflow`: `scripts/tensorflow-sweep.py` run by
/// the given Python on the resolved spec.json of the sweep PruneLab just ran, so both do the same
/// work in the same run. Timed as a whole process, as the PruneLab sweep is. The bench never
/// installs TensorFlow: the Python is one the user set up (`pip install tensorflow-cpu`).
package enum TensorFlowMeasurement {
    /// Runs `python script spec` to completion; the script's last line is a JSON summary with its
    /// TensorFlow version, point count and its own peak resident memory.
    package static func measure(python: URL, script: URL, spec: URL) -> TensorFlowFigures {
        let command = [python.path, script.path, spec.path]
        guard FileManager.default.fileExists(atPath: script.path) else {
            return TensorFlowFigures(command: command, failure: "the TensorFlow script \(script.path) does not exist (run the bench from the repository root, or give --tensorflow-script)")
        }
        switch SweepMeasurement.runLogged(executable: python, arguments: [script.path, spec.path]) {
        case .failed(let failure):
            return TensorFlowFigures(command: command, failure: failure)
        case .finished(let wall, let output):
            guard let last = output.split(separator: "\n").last,
                  let summary = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any],
                  let version = summary["tensorflow"] as? String else {
                return TensorFlowFigures(command: command, failure: "the script's last line is not its JSON summary")
            }
            return TensorFlowFigures(command: command, version: version, points: summary["points"] as? Int,
                                     wallSeconds: wall, peakResidentMegabytes: summary["peak_resident_megabytes"] as? Double)
        }
    }
}

/// The TensorFlow sweep's figures; `failure` set (and no times) when it could not run.
package struct TensorFlowFigures: Codable, Sendable {
    package var command: [String]
    package var version: String?
    package var points: Int?
    package var wallSeconds: Double?
    package var peakResidentMegabytes: Double?
    package var failure: String?

    enum CodingKeys: String, CodingKey {
        case command, version, points, failure
        case wallSeconds = "wall_seconds", peakResidentMegabytes = "peak_resident_megabytes"
    }
}
