import Foundation

/// This process's own memory figures, from /proc/self/status (Linux).
package enum ProcessMemory {
    /// The peak resident set (VmHWM) since this process's image started. Unlike a parent's
    /// `getrusage(RUSAGE_CHILDREN)`, it never includes the parent's memory, which Linux charges
    /// to a child spawned with vfork semantics up to its exec. Nil where /proc is not there.
    package static func peakResidentBytes() -> Int? {
        field("VmHWM")
    }

    /// The resident set now (VmRSS).
    package static func residentBytes() -> Int? {
        field("VmRSS")
    }

    private static func field(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
        // "VmHWM:	  123456 kB"
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 3, let kilobytes = Int(parts[1]), parts[2] == "kB" else { return nil }
        return kilobytes * 1024
    }
}
