import Foundation

/// Measurements of this machine for `prunelab bench`: the BLAS's own SGEMM rate, and training
/// throughput of the engine, so the bench can print both and their ratio.
package enum PerformanceProbe {
    /// SGEMM rate in GFLOP/s (`2 n^3` flops per product) for square `size x size` products
    /// through the same BLAS and threading as training (`GEMM`: one OpenBLAS thread per core):
    /// the median of `repetitions` timed runs after one warm-up.
    package static func sgemmGFLOPS(size: Int = 2048, repetitions: Int = 5) -> Double {
        precondition(size > 0 && repetitions > 0, "size and repetitions must be positive")
        var generator = SeededGenerator(seed: 1)
        let a = FloatBuffer(count: size * size)
        let b = FloatBuffer(count: size * size)
        let c = FloatBuffer(count: size * size)
        for i in 0..<(size * size) {
            a.pointer[i] = generator.nextUnitFloat() - 0.5
            b.pointer[i] = generator.nextUnitFloat() - 0.5
        }
        let seconds = (0...repetitions).map { _ in
            time { GEMM.multiply(m: size, n: size, k: size, a: a.pointer, lda: size, b: b.pointer, ldb: size, c: c.pointer, ldc: size) }
        }.dropFirst()
        return 2 * pow(Double(size), 3) / median(Array(seconds)) / 1e9
    }

    /// Training throughput in samples/s of a Glorot-initialised network with Adam on random
    /// data: `steps` full steps (forward, backward, update) after a few warm-up steps.
    package static func trainingSamplesPerSecond(layerSizes: [Int], batchSize: Int, steps: Int) -> Double {
        let bench = TrainingBench(layerSizes: layerSizes, batchSize: batchSize)
        bench.run(steps: min(steps, 10))
        return Double(steps * batchSize) / time { bench.run(steps: steps) }
    }

    /// Where a training step's time goes: the forward and backward passes alone (GEMMs and
    /// their element-wise kernels) versus whole steps with the Adam update fused in. Each is the
    /// fastest of `rounds` rounds of `stepsPerRound` steps, in seconds per step: the fastest
    /// round is the least disturbed by other work on the machine. Rounds of the two kinds
    /// alternate, so a slow spell of the machine cannot favour one of them.
    package static func trainingStepBreakdown(layerSizes: [Int], batchSize: Int, rounds: Int = 15,
                                             stepsPerRound: Int = 10) -> (passes: Double, step: Double) {
        let bench = TrainingBench(layerSizes: layerSizes, batchSize: batchSize)
        bench.run(steps: 10)
        func round(update: Bool) -> Double {
            time { for _ in 0..<stepsPerRound { bench.step(update: update) } } / Double(stepsPerRound)
        }
        var (passes, step) = (Double.infinity, Double.infinity)
        for _ in 0..<rounds {
            passes = min(passes, round(update: false))
            step = min(step, round(update: true))
        }
        return (passes, step)
    }

    /// A reference-sized training session on random data, for the probes.
    private final class TrainingBench {
        let data: LabeledImages
        let session: TrainingSession
        let optimizer: AdamOptimizer
        let batchSize: Int
        private var nextBatch = 0
        static let batchesOfData = 16

        init(layerSizes: [Int], batchSize: Int) {
            precondition(layerSizes.count >= 2 && batchSize > 0, "need a network and a batch size")
                var generator = SeededGenerator(seed: 2)
            let samples = batchSize * Self.batchesOfData
            let classes = min(layerSizes.last!, 256)
            data = LabeledImages(features: layerSizes[0],
                                 pixels: (0..<samples * layerSizes[0]).map { _ in UInt8(truncatingIfNeeded: generator.next()) },
                                 labels: (0..<samples).map { _ in UInt8(generator.nextInt(below: classes)) })
            session = TrainingSession(model: MLP.glorotUniform(layerSizes: layerSizes, bias: false, seed: 3),
                                      batchCapacity: batchSize, masks: nil)
            optimizer = AdamOptimizer(parameterCount: session.parameterCount)
            self.batchSize = batchSize
        }

        func step(update: Bool) {
            let start = nextBatch * batchSize
            nextBatch = (nextBatch + 1) % Self.batchesOfData
            session.step(data: data, indices: start..<start + batchSize, optimizer: update ? optimizer : nil)
        }

        func run(steps: Int) {
            for _ in 0..<steps { step(update: true) }
        }
    }

    /// Seconds taken by `body` (monotonic clock).
    static func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
