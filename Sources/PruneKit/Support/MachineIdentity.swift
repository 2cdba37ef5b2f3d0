import Foundation

/// Where a result was measured: the host's name and its CPU's model name. Every row of
/// results.csv carries both, so rows merged from many machines (shards, workers) say which
/// timings came from which kind of machine.
public struct MachineIdentity: Sendable, Equatable {
    /// The host name (`gethostname`), e.g. a Slurm node or a Kubernetes pod.
    public var host: String
    /// The CPU's model name from /proc/cpuinfo (e.g. "AMD EPYC 7B13 64-Core Processor"), or the
    /// machine architecture where the file has none.
    public var cpu: String

    /// This process's machine, read once.
    public static let current = MachineIdentity(host: readHost(), cpu: readCPU())

    private static func readHost() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return ProcessInfo.processInfo.hostName }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func readCPU() -> String {
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let name = cpuModel(inCPUInfo: text) {
            return name
        }
        var system = utsname()
        uname(&system)
        return withUnsafeBytes(of: &system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The value of the first `model name` line (x86), else of a `Model`, `Hardware` or `cpu model` line (ARM, MIPS).
    package static func cpuModel(inCPUInfo text: String) -> String? {
        for key in ["model name", "Model", "Hardware", "cpu model"] {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces).split(whereSeparator: \.isWhitespace).joined(separator: " ")
                if !value.isEmpty { return value }
            }
        }
        return nil
    }
}
