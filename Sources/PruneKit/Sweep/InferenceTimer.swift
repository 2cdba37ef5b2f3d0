import Dispatch

/// What ran the pruned network. The raw values are the `kernel` column of results.csv.
public enum InferenceKernel: String, Sendable, Codable, CaseIterable {
    /// Weight methods: the sparse (CSR) kernel, which was faster than dense.
    case csr
    /// The dense kernel: for weight methods because CSR was not faster (so the pruned time is
    /// the dense time, a speed-up of 1 by construction); for small-dense controls, the smaller network.
    case dense
    /// Unit methods: the smaller dense network left after removing units.
    case shrunk
}

/// Measured inference times of one pruned network, dense vs the representation pruning allows.
/// Seconds are for the whole sample set the timing stands for (see `InferenceTimer`).
public struct InferenceTiming: Sendable, Codable, Equatable {
    /// The network in its original shape (pruned weights as zeros) through the dense kernel.
    public var denseSeconds: Double
    /// The representation picked for the pruned network (see `kernel`).
    public var prunedSeconds: Double
    /// Which representation ran the pruned network.
    public var kernel: InferenceKernel
    /// Weight methods: the sparse kernel's time, also when dense was picked. Nil for unit methods.
    public var csrSeconds: Double?

    /// A timing as measured; `csrSeconds` only for weight methods.
    public init(denseSeconds: Double, prunedSeconds: Double, kernel: InferenceKernel, csrSeconds: Double? = nil) {
        self.denseSeconds = denseSeconds
        self.prunedSeconds = prunedSeconds
        self.kernel = kernel
        self.csrSeconds = csrSeconds
    }

    /// How many times faster the pruned representation runs than the dense original.
    public var speedup: Double { prunedSeconds > 0 ? denseSeconds / prunedSeconds : .infinity }
}

/// Times the inference of pruned networks against their dense original, as pairs.
///
/// Every point is timed with `PairedTiming` (dense and pruned in alternating rounds until their
/// ratio settles), never against a dense time measured at another moment: on a shared machine
/// that once made the same network read 1.37x "faster". Figures are wall clock on all cores
/// (OpenBLAS threads for dense, one worker per core for CSR).
///
/// Only the first `timingSamples` samples are run (a fixed subset, so every point times the same
/// input); the seconds reported are scaled linearly to the whole set they stand for
/// (`representing:`), so `dense_seconds` and `pruned_seconds` in results.csv still mean "the whole
/// test set". Converting images to floats happens before any clock starts.
public enum InferenceTimer {
    /// How many samples are actually timed: a dense run of the reference net is then about 20 ms,
    /// long enough for a paired median stable to a few percent, short enough that pairing all 20
    /// points of the reference sweep costs seconds, not tens of seconds. It is the evaluation's
    /// batch, so a point's evaluation runs are timed runs (`evaluateAndMeasure`).
    public static let timingSamples = MLP.evaluationBatchSize

    /// The pairing of every point: at most 11 rounds, since a noisy machine that has not settled
    /// within 5% by then rarely does by 21, and each round costs a dense run.
    public static var pointPairing: PairedTiming {
        var pairing = PairedTiming()
        pairing.maxRounds = 11
        return pairing
    }

    /// A first run at least this many times slower or faster than dense settles the kernel choice.
    static let clearFactor = 2.0
    /// Rounds of the quick CSR-vs-dense comparison when no first run settles it.
    static let quickRounds = 3

    /// What one timed run goes through.
    enum Pass: Sendable, Equatable {
        /// The original shape, pruned weights as zeros, through the dense kernel.
        case original
        /// The weight-pruned network through the CSR kernel.
        case sparse
        /// The smaller dense network (unit pruning, or a small-dense control).
        case smaller
    }

    /// What the pruned side may be.
    enum Candidate: Sendable, Equatable {
        /// CSR when faster than dense, else dense.
        case sparseOrDense
        /// A smaller dense network, reported with this kernel.
        case smaller(InferenceKernel)
    }

    /// Times `pruned` against its original shape on `input` (at most `timingSamples` rows are
    /// used), with seconds scaled to `samples` samples.
    public static func measure(_ pruned: PrunedNetwork, input: Matrix, representing samples: Int,
                               pairing: PairedTiming = pointPairing) -> InferenceTiming {
        let original = pruned.expandedModel()
        let input = input.rows > timingSamples ? firstRows(input, timingSamples) : input
        let scale = Double(samples) / Double(max(1, input.rows))
        if pruned.method.removesUnits {
            return measure(.smaller(.shrunk), scale: scale, pairing: pairing) { pass in
                run(pass == .original ? original : pruned.model, on: input)
            }
        }
        let sparse = SparseMLP(pruned.model)
        return measure(.sparseOrDense, scale: scale, pairing: pairing) { pass in
            pass == .sparse ? PairedTiming.seconds { _ = sparse.logits(input) } : run(original, on: input)
        }
    }

    /// Times all of `data` as `measure(_:input:representing:)` does: its first `timingSamples`
    /// samples, scaled to `data.count`.
    public static func measure(_ pruned: PrunedNetwork, on data: LabeledImages,
                               pairing: PairedTiming = pointPairing) -> InferenceTiming {
        measure(pruned, input: timingInput(data), representing: data.count, pairing: pairing)
    }

    /// The decision and the scaling, given `run(pass)` returning the seconds of one run on the
    /// timing input. Weight methods first compare CSR with dense quickly; only a CSR that looks
    /// faster is then paired, and kept if the pairs confirm it (a dense pick's speed-up is 1 by
    /// construction, so its dense time is simply the median of `pairing.minRounds` runs).
    static func measure(_ candidate: Candidate, scale: Double, pairing: PairedTiming,
                        run: (Pass) -> Double) -> InferenceTiming {
        switch candidate {
        case let .smaller(kernel):
            let paired = pairing.measure { run($0 == .dense ? .original : .smaller) }
            return InferenceTiming(denseSeconds: paired.denseSeconds * scale, prunedSeconds: paired.prunedSeconds * scale,
                                   kernel: kernel)
        case .sparseOrDense:
            var quick = quickComparison(run)
            guard quick.sparseIsFaster else {
                while quick.dense.count < pairing.minRounds { quick.dense.append(run(.original)) }
                return densePick(dense: quick.dense, sparse: quick.sparse, scale: scale)
            }
            return csrOrDense(pairing.measure { run($0 == .dense ? .original : .sparse) }, scale: scale)
        }
    }

    /// Dense picked without pairing: the median dense run, and a speed-up of 1 by construction.
    static func densePick(dense: [Double], sparse: [Double], scale: Double) -> InferenceTiming {
        let seconds = median(dense) * scale
        return InferenceTiming(denseSeconds: seconds, prunedSeconds: seconds, kernel: .dense, csrSeconds: median(sparse) * scale)
    }

    /// CSR paired against dense: kept when the pairs find it faster, else dense at the dense time.
    static func csrOrDense(_ paired: PairedTiming.Result, scale: Double) -> InferenceTiming {
        let faster = paired.speedup > 1
        return InferenceTiming(denseSeconds: paired.denseSeconds * scale,
                               prunedSeconds: (faster ? paired.prunedSeconds : paired.denseSeconds) * scale,
                               kernel: faster ? .csr : .dense, csrSeconds: paired.prunedSeconds * scale)
    }

    /// One warm-up dense run, then up to `quickRounds` rounds of dense and CSR in alternating
    /// order; a first CSR run `clearFactor` times slower or faster than dense settles it at once
    /// (repeating a CSR run at low sparsity would cost seconds per point).
    static func quickComparison(_ run: (Pass) -> Double) -> (dense: [Double], sparse: [Double], sparseIsFaster: Bool) {
        _ = run(.original)
        var dense: [Double] = [], sparse: [Double] = []
        for round in 0..<quickRounds {
            if round % 2 == 0 {
                dense.append(run(.original))
                sparse.append(run(.sparse))
            } else {
                sparse.append(run(.sparse))
                dense.append(run(.original))
            }
            if round == 0 && (sparse[0] > clearFactor * dense[0] || sparse[0] * clearFactor < dense[0]) { break }
        }
        return (dense, sparse, median(sparse) < median(dense))
    }

    /// The timing subset of `data` as floats: its first `timingSamples` samples (or all, if fewer).
    public static func timingInput(_ data: LabeledImages) -> Matrix {
        floatInput(data, limit: timingSamples)
    }

    /// The first `limit` samples of `data` (all of them when nil) as one float matrix, scaled to [0, 1].
    public static func floatInput(_ data: LabeledImages, limit: Int? = nil) -> Matrix {
        var input = Matrix(rows: 0, cols: data.features)
        data.fillBatch(0..<min(data.count, limit ?? data.count), into: &input)
        return input
    }

    static func firstRows(_ input: Matrix, _ count: Int) -> Matrix {
        Matrix(rows: count, cols: input.cols, data: Array(input.data.prefix(count * input.cols)))
    }

    static func run(_ model: MLP, on input: Matrix) -> Double {
        PairedTiming.seconds { _ = model.inferenceLogits(input) }
    }

    /// The median wall time of `repetitions` runs of `work` (a median of three already drops
    /// a first run slowed by thread start-up).
    static func medianSeconds(_ repetitions: Int, _ work: () -> Void) -> Double {
        median((0..<repetitions).map { _ in PairedTiming.seconds(work) })
    }

    /// The middle value, or the mean of the middle two of an even count.
    static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "the median of nothing")
        let sorted = values.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
