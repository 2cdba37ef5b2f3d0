/// How fast this machine does each kind of work a sweep is made of: what turns a cost
/// estimate's FLOPs and bytes into seconds.
///
/// The defaults (`measuredHere`) are figures measured on this machine kind (2 Zen 3 cores,
/// AVX2 + FMA; /work/shared/PERF-NOTES.md and the calibration runs in the estimate's commit)
/// with a release build. A process that wants its own figures can build one from
/// `prunelab bench` output; a debug build is several times slower outside the BLAS.
public struct MachineRate: Sendable, Equatable, Codable {
    /// FLOP/s of the forward and backward products of a training step at batch shapes when the
    /// products are large (the reference net at batch 64: 97.8 GFLOP/s, 0.7x SGEMM 2048^3).
    public var trainingFLOPS: Double
    /// Multiply-adds of one product at which it runs at half `trainingFLOPS` (small layers
    /// lose to per-call overhead: a 64x784x300 product is far from the large-product rate).
    public var trainingHalfRateWork: Double
    /// Fixed seconds of a training step besides its products (batch copy, dispatch, loss).
    public var stepOverheadSeconds: Double
    /// Bytes/s of streaming memory traffic (an Adam update touches 7 float streams per
    /// parameter per step: 33 GB/s on two cores).
    public var memoryBandwidth: Double
    /// FLOP/s of dense inference over a whole test set (evaluation in batches of 1,000 and the
    /// timing runs; includes the page faults of the fresh activation matrices).
    public var inferenceFLOPS: Double
    /// FLOP/s (2 per nonzero weight per sample) of the CSR kernel.
    public var sparseFLOPS: Double
    /// Seconds per weight of choosing what to prune (sort of |w|, masks, counts, CSR build).
    public var pruneSecondsPerWeight: Double
    /// Seconds per byte of reading a dataset (inflating IDX, or generating synthetic samples)
    /// and converting it to floats.
    public var loadSecondsPerByte: Double
    /// Seconds of process start, writing files and charts, independent of the shape.
    public var fixedSeconds: Double

    /// Rates from one's own measurements, e.g. `prunelab bench` output.
    public init(trainingFLOPS: Double, trainingHalfRateWork: Double, stepOverheadSeconds: Double,
                memoryBandwidth: Double, inferenceFLOPS: Double, sparseFLOPS: Double,
                pruneSecondsPerWeight: Double, loadSecondsPerByte: Double, fixedSeconds: Double) {
        self.trainingFLOPS = trainingFLOPS
        self.trainingHalfRateWork = trainingHalfRateWork
        self.stepOverheadSeconds = stepOverheadSeconds
        self.memoryBandwidth = memoryBandwidth
        self.inferenceFLOPS = inferenceFLOPS
        self.sparseFLOPS = sparseFLOPS
        self.pruneSecondsPerWeight = pruneSecondsPerWeight
        self.loadSecondsPerByte = loadSecondsPerByte
        self.fixedSeconds = fixedSeconds
    }

    /// This machine kind's figures (release build).
    public static let measuredHere = MachineRate(
        trainingFLOPS: 97.8e9, trainingHalfRateWork: 1.5e6, stepOverheadSeconds: 40e-6,
        memoryBandwidth: 33e9, inferenceFLOPS: 85e9, sparseFLOPS: 50e9,
        pruneSecondsPerWeight: 60e-9, loadSecondsPerByte: 10e-9, fixedSeconds: 0.3)

    /// Seconds of one product of `multiplyAdds` multiply-adds inside a training step.
    func trainingProductSeconds(multiplyAdds: Double) -> Double {
        guard multiplyAdds > 0 else { return 0 }
        let rate = trainingFLOPS * multiplyAdds / (multiplyAdds + trainingHalfRateWork)
        return 2 * multiplyAdds / rate
    }
}
