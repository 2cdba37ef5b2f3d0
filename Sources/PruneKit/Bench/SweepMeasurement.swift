import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a whole sweep as a child process and measures its wall time and peak memory.
///
/// A child process, not a call, so that the peak resident memory is the sweep's
/// (`getrusage(RUSAGE_CHILDREN)` reports the largest of the waited-for children). Caveat: Linux
/// counts the parent's own peak up to the child's exec in the child's figure, so call this
/// while the calling process is still small.
package enum SweepMeasurement {
    /// Runs `executable arguments...` (e.g. `/proc/self/exe run --out DIR`) to completion.
    /// A missing executable or a failing run gives figures with `failure` set and no times.
    package static func measure(executable: URL, arguments: [String]) -> SweepFigures {
        let command = [executable.path] + arguments
        switch runLogged(executable: executable, arguments: arguments) {
        case .failed(let failure):
            return SweepFigures(command: command, failure: failure)
        case .finished(let wall, _):
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
            // Linux reports ru_maxrss in kilobytes.
            return SweepFigures(command: command, wallSeconds: wall, peakResidentMegabytes: Double(usage.ru_maxrss) / 1024)
        }
    }

    /// Runs the sweep `executable arguments...` again in a new folder next to `output` that holds
    /// only the sweep's trained checkpoints (`model*.safetensors`), so that it resumes after the
    /// training: the wall time of loading, the points and the reports. Nil when it fails.
    package static func measurePoints(executable: URL, arguments: [String], output: URL) -> Double? {
        let folder = output.appendingPathExtension("points")
        let files = FileManager.default
        defer { try? files.removeItem(at: folder) }
        guard let index = arguments.firstIndex(of: "--out"), index + 1 < arguments.count,
              (try? files.createDirectory(at: folder, withIntermediateDirectories: true)) != nil,
              let names = try? files.contentsOfDirectory(atPath: output.path) else { return nil }
        let checkpoints = names.filter { $0.hasPrefix("model") && $0.hasSuffix(".safetensors") }
        guard !checkpoints.isEmpty else { return nil }
        for name in checkpoints {
            guard (try? files.copyItem(at: output.appendingPathComponent(name), to: folder.appendingPathComponent(name))) != nil else {
                return nil
            }
        }
        var resumed = arguments
        resumed[index + 1] = folder.path
        guard case .finished(let wall, _) = runLogged(executable: executable, arguments: resumed) else { return nil }
        return wall
    }

    /// How a logged child ended: its wall time and output, or why it failed.
    enum Run {
        case finished(wallSeconds: Double, output: String)
        case failed(String)
    }

    /// Runs `executable arguments...` with its stdout and stderr in a log file; a missing
    /// executable or a non-zero exit is a failure that quotes the log's last lines.
    static func runLogged(executable: URL, arguments: [String]) -> Run {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("prunelab-bench-child-\(getpid()).log")
        defer { try? FileManager.default.removeItem(at: log) }
        guard FileManager.default.createFile(atPath: log.path, contents: nil),
              let logHandle = try? FileHandle(forWritingTo: log) else {
            return .failed("cannot create the log file \(log.path)")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = logHandle
        process.standardError = logHandle
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            try process.run()
        } catch {
            return .failed("could not start: \(error.localizedDescription)")
        }
        process.waitUntilExit()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        try? logHandle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let tail = output.split(separator: "\n").suffix(3).joined(separator: " | ")
            return .failed("exited with status \(process.terminationStatus)\(tail.isEmpty ? "" : ": \(tail)")")
        }
        return .finished(wallSeconds: wall, output: output)
    }
}
