import Foundation

/// Measurements of this machine for `prunelab bench`: the BLAS's own SGEMM rate, and training
/// throughput of the engine, so the bench can print both and their ratio.
public enum PerformanceProbe {
    /// SGEMM rate in GFLOP/s (`2 n^3` flops per product) for square `size x size` products
    /// through the same BLAS and thread count as training: the median of `repetitions` timed
    /// runs after one warm-up.
    public static func sgemmGFLOPS(size: Int = 2048, repetitions: Int = 5) -> Double {
        precondition(size > 0 && repetitions > 0, "size and repetitions must be positive")
        GEMM.setThreadCount(Parallel.coreCount)
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
    public static func trainingSamplesPerSecond(layerSizes: [Int], batchSize: Int, steps: Int) -> Double {
        precondition(layerSizes.count >= 2 && batchSize > 0 && steps > 0, "need a network, a batch size and steps")
        GEMM.setThreadCount(Parallel.coreCount)
        let classes = layerSizes.last!
        var generator = SeededGenerator(seed: 2)
        let samples = batchSize * 16
        let data = LabeledImages(features: layerSizes[0],
                                 pixels: (0..<samples * layerSizes[0]).map { _ in UInt8(truncatingIfNeeded: generator.next()) },
                                 labels: (0..<samples).map { _ in UInt8(generator.nextInt(below: min(classes, 256))) })
        let model = MLP.glorotUniform(layerSizes: layerSizes, bias: false, seed: 3)
        let session = TrainingSession(model: model, batchCapacity: batchSize, masks: nil)
        let optimizer = AdamOptimizer(parameterCount: session.parameterCount)
        func run(_ count: Int) {
            for step in 0..<count {
                let start = (step % 16) * batchSize
                _ = session.computeGradients(data: data, indices: start..<start + batchSize)
                optimizer.update(parameters: session.parameters.pointer, gradients: session.gradients.pointer)
            }
        }
        run(min(steps, 10))
        return Double(steps * batchSize) / time { run(steps) }
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
