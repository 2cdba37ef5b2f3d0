/// What a sweep will cost before it runs: its peak resident memory, its work in FLOPs and the
/// seconds that work takes on this machine, with the spec fields that drive each, so that a
/// refusal can say how to fit (issue 9, admission).
public struct JobEstimate: Codable, Equatable, Sendable {
    /// Peak resident memory of the process running the sweep, baseline included.
    public var peakMemoryBytes: Int
    /// Multiply-adds x 2 of training, fine-tuning, evaluations and timings.
    public var flops: Double
    /// The FLOPs at the machine's measured rates plus the memory-bound terms (optimizer
    /// updates), pruning and loading.
    public var seconds: Double
    /// JSON Pointers of the spec fields that drive the peak memory, biggest first.
    public var memoryDrivers: [String]
    /// JSON Pointers of the spec fields that drive the seconds, biggest first.
    public var timeDrivers: [String]

    /// An estimate from its figures and the fields that drive them.
    public init(peakMemoryBytes: Int, flops: Double, seconds: Double, memoryDrivers: [String], timeDrivers: [String]) {
        self.peakMemoryBytes = peakMemoryBytes
        self.flops = flops
        self.seconds = seconds
        self.memoryDrivers = memoryDrivers
        self.timeDrivers = timeDrivers
    }

    enum CodingKeys: String, CodingKey {
        case flops, seconds
        case peakMemoryBytes = "peak_memory_bytes", memoryDrivers = "memory_drivers", timeDrivers = "time_drivers"
    }
}

extension JobEstimate {
    /// "peak memory 267 MB, 4.31 TFLOP, about 1m 20s at this machine's rate".
    public var summary: String {
        "peak memory \(ByteCount.format(peakMemoryBytes)), \(Self.formatFLOPs(flops)), "
            + "about \(Self.formatSeconds(seconds)) at this machine's rate"
    }

    /// Nil when the peak fits in `limit` bytes; else what a refusal says, naming the estimate,
    /// the limit and the fields to change: "peak memory 41.2 GB > limit 6.00 GB: /dataset/train_size, ...".
    public func memoryProblem(limit: Int) -> String? {
        guard peakMemoryBytes > limit else { return nil }
        return "peak memory \(ByteCount.format(peakMemoryBytes)) > limit \(ByteCount.format(limit)): "
            + memoryDrivers.joined(separator: ", ")
    }

    /// Nil when the estimated seconds fit in `limit`; else the refusal's text, as `memoryProblem`.
    public func timeProblem(limit: Double) -> String? {
        guard seconds > limit else { return nil }
        return "estimated \(Self.formatSeconds(seconds)) > limit \(Self.formatSeconds(limit)): "
            + timeDrivers.joined(separator: ", ")
    }

    /// "45s", "1m 20s", "26h 40m" (Report's ProgressText comes after Sweep, so not shared).
    static func formatSeconds(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "forever" }
        let s = Int(min(seconds, 9e15).rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm %02ds", s / 60, s % 60) }
        return String(format: "%dh %02dm", s / 3600, (s % 3600) / 60)
    }

    /// "4.31 TFLOP", "812 GFLOP", "3.2 MFLOP".
    static func formatFLOPs(_ flops: Double) -> String {
        for (scale, unit) in [(1e15, "PFLOP"), (1e12, "TFLOP"), (1e9, "GFLOP"), (1e6, "MFLOP"), (1e3, "kFLOP")] where flops >= scale {
            let scaled = flops / scale
            return String(format: scaled < 10 ? "%.2f" : scaled < 100 ? "%.1f" : "%.0f", scaled) + " " + unit
        }
        return String(format: "%.0f FLOP", flops)
    }
}

extension SweepSpec {
    /// The cost of running this spec on data of `shape` (see `dataShape()`), from the engine's
    /// allocations and products as `SweepRunner` makes them. Pure arithmetic: microseconds.
    public func estimate(shape: DataShape, rate: MachineRate = .measuredHere) -> JobEstimate {
        let cost = SweepCostModel(spec: self, shape: shape)
        let memory = SweepMemoryModel(cost).peak
        let work = SweepWorkModel(cost: cost, rate: rate).terms
        return JobEstimate(
            peakMemoryBytes: Int(memory.bytes.rounded(.up)),
            flops: work.reduce(0) { $0 + $1.flops },
            seconds: work.reduce(0) { $0 + $1.seconds },
            memoryDrivers: Self.rankedFields(memory.phase.terms.map { ($0.bytes, $0.fields) }),
            timeDrivers: Self.rankedFields(work.map { ($0.seconds, $0.fields) }))
    }

    /// Every field named by some term, ordered by the total its terms weigh (ties: first named first).
    static func rankedFields(_ terms: [(weight: Double, fields: [String])]) -> [String] {
        var totals: [String: Double] = [:]
        var order: [String] = []
        for term in terms where term.weight > 0 {
            for field in term.fields {
                if totals[field] == nil { order.append(field) }
                totals[field, default: 0] += term.weight
            }
        }
        return order.enumerated()
            .sorted { a, b in totals[a.element]! != totals[b.element]! ? totals[a.element]! > totals[b.element]! : a.offset < b.offset }
            .map(\.element)
    }

    /// The estimate taken apart, for a person asking where it comes from: the memory of the
    /// peak phase term by term, and the seconds of each kind of work.
    public func estimateBreakdown(shape: DataShape, rate: MachineRate = .measuredHere) -> String {
        let cost = SweepCostModel(spec: self, shape: shape)
        let memory = SweepMemoryModel(cost).peak
        let megabytes = { (bytes: Double) in String(format: "%9.1f MB", bytes / 1e6) }
        var lines = ["peak memory while \(memory.phase.name):"]
        for term in memory.phase.terms where term.bytes > 0 {
            lines.append("  \(megabytes(term.bytes))  \(term.what)  (\(term.fields.joined(separator: ", ")))")
        }
        lines.append("  \(megabytes(SweepMemoryModel.processBaselineBytes))  process baseline")
        lines.append("work:")
        for term in SweepWorkModel(cost: cost, rate: rate).terms {
            lines.append(String(format: "  %9.1f s  ", term.seconds) + "\(JobEstimate.formatFLOPs(term.flops))  \(term.what)")
        }
        return lines.joined(separator: "\n")
    }
}
