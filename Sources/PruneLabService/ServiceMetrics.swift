import Foundation

/// Counters for `GET /metrics`, in the Prometheus text exposition format (version 0.0.4).
final class ServiceMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var requestsByStatus: [Int: Int] = [:]

    /// Counts one answered request (every request the service's handler answers).
    func countRequest(status: Int) {
        lock.lock(); requestsByStatus[status, default: 0] += 1; lock.unlock()
    }

    func render(jobs: JobManager) -> String {
        lock.lock()
        let requests = requestsByStatus.sorted { $0.key < $1.key }
        lock.unlock()
        let counts = jobs.countsByState()
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for s in samples { out += "\(name)\(s.labels) \(s.value)\n" }
        }
        metric("prunelab_jobs", "gauge", "Jobs known to the service, by state.",
               JobState.allCases.map { ("{state=\"\($0.rawValue)\"}", "\(counts[$0] ?? 0)") })
        metric("prunelab_queue_length", "gauge", "Jobs waiting for a worker.", [("", "\(jobs.queueLength)")])
        metric("prunelab_workers", "gauge", "Worker processes this service runs on its store.", [("", "\(jobs.workerCount)")])
        metric("prunelab_training_samples_per_second", "gauge",
               "Training throughput of the sweeps training now (0 when none trains).",
               [("", String(format: "%.1f", jobs.trainingSamplesPerSecond()))])
        metric("prunelab_http_requests_total", "counter", "HTTP requests answered by the service, by status code.",
               requests.map { ("{status=\"\($0.key)\"}", "\($0.value)") })
        return out
    }
}
