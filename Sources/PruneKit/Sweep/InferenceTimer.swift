import Dispatch

/// Measured inference times of one pruned network, dense vs the representation pruning allows.
public struct InferenceTiming: Sendable, Codable, Equatable {
    /// The network in its original shape (pruned weights as zeros) through the dense kernel.
    public var denseSeconds: Double
    /// The representation picked for the pruned network (see `kernel`).
    public var prunedSeconds: Double
    /// `"csr"` (weight methods, sparse kernel faster), `"dense"` (weight methods, the dense kernel
    /// was faster, so `prunedSeconds == denseSeconds`) or `"shrunk"` (unit methods: the smaller dense network).
    public var kernel: String
    /// Weight methods: the sparse kernel's time, also when dense was picked. Nil for unit methods.
    public var csrSeconds: Double?

    public init(denseSeconds: Double, prunedSeconds: Double, kernel: String, csrSeconds: Double? = nil) {
        self.denseSeconds = denseSeconds
        self.prunedSeconds = prunedSeconds
        self.kernel = kernel
        self.csrSeconds = csrSeconds
    }

    /// How many times faster the pruned representation runs than the dense original.
    public var speedup: Double { prunedSeconds > 0 ? denseSeconds / prunedSeconds : .infinity }
}

/// Times the inference of pruned networks on whole sample sets. Every figure is measured
/// (wall clock, all cores: OpenBLAS threads for dense, one worker per core for CSR), and
/// is the median of `repetitions` runs over the same input. Converting the `UInt8` images to
/// floats happens once, before any clock starts, so only the networks are timed.
public enum InferenceTimer {
    /// Median over `repetitions` of running all of `data` through each representation.
    public static func measure(_ pruned: PrunedNetwork, on data: LabeledImages, repetitions: Int = 3) -> InferenceTiming {
        measure(pruned, input: floatInput(data), repetitions: repetitions)
    }

    /// As `measure(_:on:repetitions:)` on an input already in floats. Pass `denseSeconds` (from
    /// `denseSeconds(of:input:repetitions:)`) to reuse one dense measurement: it depends only on
    /// the layer shapes, which every point of a sweep shares.
    public static func measure(_ pruned: PrunedNetwork, input: Matrix, repetitions: Int = 3,
                               denseSeconds knownDense: Double? = nil) -> InferenceTiming {
        precondition(repetitions > 0, "repetitions must be positive")
        let dense = knownDense ?? denseSeconds(of: pruned.expandedModel(), input: input, repetitions: repetitions)
        if pruned.method.removesUnits {
            let shrunk = medianSeconds(repetitions) { _ = pruned.model.logits(input) }
            return InferenceTiming(denseSeconds: dense, prunedSeconds: shrunk, kernel: "shrunk")
        }
        let sparse = SparseMLP(pruned.model)
        // A first run already twice as slow as dense settles the choice; repeating it would only
        // cost time (seconds per point at low sparsity, in every sweep).
        let csr = medianSeconds(repetitions, settledAbove: 2 * dense) { _ = sparse.logits(input) }
        return csr < dense
            ? InferenceTiming(denseSeconds: dense, prunedSeconds: csr, kernel: "csr", csrSeconds: csr)
            : InferenceTiming(denseSeconds: dense, prunedSeconds: dense, kernel: "dense", csrSeconds: csr)
    }

    /// Median seconds of `model.logits(input)` through the dense (OpenBLAS) kernel.
    public static func denseSeconds(of model: MLP, input: Matrix, repetitions: Int = 3) -> Double {
        medianSeconds(repetitions) { _ = model.logits(input) }
    }

    /// All of `data` as one float matrix, scaled to [0, 1].
    public static func floatInput(_ data: LabeledImages) -> Matrix {
        var input = Matrix(rows: 0, cols: data.features)
        data.fillBatch(0..<data.count, into: &input)
        return input
    }

    /// The median wall time of `repetitions` runs of `work` (a median of three already drops
    /// a first run slowed by thread start-up), or the first run's time alone when it exceeds
    /// `settledAbove`.
    static func medianSeconds(_ repetitions: Int, settledAbove limit: Double = .infinity, _ work: () -> Void) -> Double {
        var times = [Double]()
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            work()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            if times.count == 1 && times[0] > limit { break }
        }
        return median(times)
    }

    /// The middle value, or the mean of the middle two of an even count.
    static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "the median of nothing")
        let sorted = values.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
