import Foundation

/// Measurements of this machine for `prunelab bench`: the BLAS's own SGEMM rate, and training
/// throughput of the engine, so the bench can print both and their ratio.
package enum PerformanceProbe {
    /// SGEMM rate and training throughput measured in alternating rounds, so both figures and
    /// their ratio come from the same minutes of a shared machine whose speed drifts (measured
    /// one after the other, the SGEMM rate once read 136 and then 174-182 GFLOP/s in one
    /// session). A round is `productsPerRound` square `sgemmSize` products through the same BLAS
    /// and threading as training (`GEMM`: one OpenBLAS thread per core; about half a second, so
    /// both sides of a round are exposed to the machine's hiccups alike) and `steps` full
    /// training steps of a Glorot-initialised network with Adam on random data; rounds alternate
    /// which comes first.
    package static func trainingAndSGEMM(layerSizes: [Int], batchSize: Int, steps: Int, rounds: Int,
                                         sgemmSize: Int = 2048, productsPerRound: Int = 4) -> TrainingAndSGEMMRounds {
        precondition(sgemmSize > 0 && rounds > 0 && steps > 0 && productsPerRound > 0, "sizes, rounds and steps must be positive")
        let product = SquareProduct(size: sgemmSize)
        let bench = TrainingBench(layerSizes: layerSizes, batchSize: batchSize)
        product.run()
        bench.run(steps: min(steps, 10))
        var result = TrainingAndSGEMMRounds()
        for round in 0..<rounds {
            func measureSGEMM() {
                let seconds = time { for _ in 0..<productsPerRound { product.run() } }
                result.sgemmGFLOPS.append(Double(productsPerRound) * product.flops / seconds / 1e9)
            }
            func measureTraining() {
                // A few untimed steps first: the product just evicted the network's state from the caches.
                bench.run(steps: 3)
                result.samplesPerSecond.append(Double(steps * batchSize) / time { bench.run(steps: steps) })
            }
            if round % 2 == 0 { measureSGEMM(); measureTraining() } else { measureTraining(); measureSGEMM() }
        }
        return result
    }

    /// Each round's SGEMM rate (GFLOP/s) and training throughput (samples/s), in round order.
    package struct TrainingAndSGEMMRounds: Sendable {
        package var sgemmGFLOPS: [Double] = []
        package var samplesPerSecond: [Double] = []
    }

    /// A square product `C = A B` of random matrices, allocated once.
    private final class SquareProduct {
        let size: Int
        let a: FloatBuffer, b: FloatBuffer, c: FloatBuffer
        var flops: Double { 2 * pow(Double(size), 3) }

        init(size: Int) {
            self.size = size
            var generator = SeededGenerator(seed: 1)
            a = FloatBuffer(count: size * size)
            b = FloatBuffer(count: size * size)
            c = FloatBuffer(count: size * size)
            for i in 0..<(size * size) {
                a.pointer[i] = generator.nextUnitFloat() - 0.5
                b.pointer[i] = generator.nextUnitFloat() - 0.5
            }
        }

        func run() {
            GEMM.multiply(m: size, n: size, k: size, a: a.pointer, lda: size, b: b.pointer, ldb: size, c: c.pointer, ldc: size)
        }
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
            let next = nextBatch * batchSize
            // As `Trainer` does: the next batch is gathered during this step.
            session.step(data: data, indices: start..<start + batchSize, optimizer: update ? optimizer : nil,
                         next: next..<next + batchSize)
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
}
