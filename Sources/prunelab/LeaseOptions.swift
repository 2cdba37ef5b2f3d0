import ArgumentParser

/// The lease a worker holds on a unit and how often it renews it: options of `serve` (for the
/// workers it starts) and of `worker`, checked in one place.
struct LeaseOptions: ParsableArguments {
    @Option(name: .customLong("lease-seconds"), help: "How long a claim holds a unit without a heartbeat.")
    var leaseSeconds = 30.0

    @Option(name: .customLong("heartbeat-seconds"), help: "How often a running unit renews its lease.")
    var heartbeatSeconds = 5.0

    func validate() throws {
        guard leaseSeconds >= 1, leaseSeconds.isFinite else { throw ValidationError("--lease-seconds must be at least 1, got \(leaseSeconds)") }
        guard heartbeatSeconds > 0, heartbeatSeconds < leaseSeconds else {
            throw ValidationError("--heartbeat-seconds must be above 0 and below --lease-seconds (\(leaseSeconds)), got \(heartbeatSeconds)")
        }
    }
}
