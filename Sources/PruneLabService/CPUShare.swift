import Foundation
import CProcess
#if canImport(Glibc)
import Glibc
#endif

/// Which CPUs a sweep process gets. With several workers each gets a disjoint share, so that
/// the timings in results.csv are never measured against another of the service's own jobs.
public enum CPUShare {
    /// The CPUs this process may run on (its affinity mask), in order.
    public static func allowedCPUs() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = prunelab_allowed_cpus(&cpus, Int32(cpus.count))
        guard count > 0 else { return Array(0..<max(1, ProcessInfo.processInfo.activeProcessorCount)) }
        return cpus[0..<Int(count)].map(Int.init)
    }

    /// Worker `index` of `workers`: a contiguous slice of `cpus`, at least one CPU. With more
    /// workers than CPUs, workers share CPUs round-robin.
    public static func share(worker index: Int, of workers: Int, cpus: [Int] = allowedCPUs()) -> [Int] {
        guard workers > 1, !cpus.isEmpty else { return cpus }
        let perWorker = max(1, cpus.count / workers)
        let start = (index * perWorker) % cpus.count
        return (0..<perWorker).map { cpus[(start + $0) % cpus.count] }
    }

    /// Restricts the calling thread, and every thread it starts afterwards, to `cpus`.
    public static func pin(to cpus: [Int]) throws {
        let ids = cpus.map { Int32(clamping: $0) }
        guard prunelab_pin_to_cpus(ids, Int32(ids.count)) == 0 else {
            throw SweepReportedError("cannot run on CPUs \(cpus): \(String(cString: strerror(errno)))")
        }
    }
}
