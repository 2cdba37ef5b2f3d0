import XCTest
@testable import PruneKit

final class GEMMTests: XCTestCase {
    /// The textbook triple loop in Double: the reference every product is checked against.
    private func naiveProduct(_ a: Matrix, _ b: Matrix) -> [Double] {
        var c = [Double](repeating: 0, count: a.rows * b.cols)
        for i in 0..<a.rows { for j in 0..<b.cols { for k in 0..<a.cols { c[i * b.cols + j] += Double(a[i, k]) * Double(b[k, j]) } } }
        return c
    }

    private func randomMatrix(_ rows: Int, _ cols: Int, _ generator: inout SeededGenerator) -> Matrix {
        Matrix(rows: rows, cols: cols, data: (0..<rows * cols).map { _ in generator.nextUnitFloat() * 2 - 1 })
    }

    private func transposed(_ m: Matrix) -> Matrix {
        var t = Matrix(rows: m.cols, cols: m.rows)
        for r in 0..<m.rows { for c in 0..<m.cols { t[c, r] = m[r, c] } }
        return t
    }

    private func assertClose(_ actual: [Float], _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        for (x, y) in zip(actual, expected) { XCTAssertEqual(Double(x), y, accuracy: 1e-4, file: file, line: line) }
    }

    func testMultipliedMatchesNaiveProductOnOddShapes() {
        var generator = SeededGenerator(seed: 1)
        // The last two are large enough to be split across the cores by column blocks.
        for (m, k, n) in [(1, 1, 1), (3, 7, 5), (17, 9, 1), (1, 33, 12), (65, 31, 40), (70, 300, 21), (64, 100, 333)] {
            let a = randomMatrix(m, k, &generator)
            let b = randomMatrix(k, n, &generator)
            assertClose(a.multiplied(by: b).data, naiveProduct(a, b))
        }
    }

    func testADenseLayerWritesEveryOutputWhateverTheMemoryHeld() {
        // `MLP.denseLayer` hands linearForward an output it has not zeroed: OpenBLAS's beta 0
        // must overwrite NaN, never scale it (0 * NaN is NaN), on its small and its blocked paths.
        var generator = SeededGenerator(seed: 8)
        for (rows, inputs, outputs) in [(3, 7, 5), (64, 300, 100), (40, 200, 333)] {
            let x = randomMatrix(rows, inputs, &generator)
            let w = randomMatrix(inputs, outputs, &generator)
            var y = [Float](repeating: .nan, count: rows * outputs)
            x.data.withUnsafeBufferPointer { xp in
                w.data.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer { yp in
                        linearForward(output: yp.baseAddress!, input: xp.baseAddress!, weight: wp.baseAddress!, bias: nil,
                                      relu: false, rows: rows, inputs: inputs, outputs: outputs)
                    }
                }
            }
            assertClose(y, naiveProduct(x, w))
            let model = MLP(weights: [w], biases: [])
            assertClose(model.denseLayer(0, input: x).data, naiveProduct(x, w))
        }
    }

    func testTransposedOperandsAndAccumulation() {
        var generator = SeededGenerator(seed: 2)
        let a = randomMatrix(6, 4, &generator)   // used as A^T: 4 x 6
        let b = randomMatrix(5, 6, &generator)   // used as B^T: 6 x 5
        var c = [Float](repeating: 1, count: 4 * 5)
        GEMM.multiply(transposeA: true, transposeB: true, m: 4, n: 5, k: 6, a: a.data, lda: 4, b: b.data, ldb: 6,
                      beta: 1, c: &c, ldc: 5)
        assertClose(c, naiveProduct(transposed(a), transposed(b)).map { $0 + 1 })
    }

    func testTransposedLargeProductSplitByColumns() {
        var generator = SeededGenerator(seed: 3)
        let a = randomMatrix(64, 90, &generator)
        let b = randomMatrix(130, 90, &generator)  // used as B^T: 90 x 130
        var c = [Float](repeating: 0, count: 64 * 130)
        GEMM.multiply(transposeB: true, m: 64, n: 130, k: 90, a: a.data, lda: 90, b: b.data, ldb: 90, c: &c, ldc: 130)
        assertClose(c, naiveProduct(a, transposed(b)))
    }

    func testLayerBackwardInBlocksEqualsWholeLayer() {
        // What lets each core take a block of a layer's input rows.
        var generator = SeededGenerator(seed: 4)
        let (rows, inputs, outputs) = (5, 40, 7)
        let x = randomMatrix(rows, inputs, &generator).data.map { max(0, $0) }
        let w = randomMatrix(inputs, outputs, &generator).data
        let dY = randomMatrix(rows, outputs, &generator).data
        func backward(_ blocks: [Range<Int>]) -> (dX: [Float], dW: [Float]) {
            var dX = [Float](repeating: 9, count: rows * inputs)
            var dW = [Float](repeating: 9, count: inputs * outputs)
            for block in blocks {
                linearBackward(inputGradient: &dX, inputActivation: x, weightGradient: &dW, weightGradientIsZero: false,
                               outputGradient: dY, input: x,
                               weight: w, rows: rows, inputs: inputs, outputs: outputs, inputRows: block)
            }
            return (dX, dW)
        }
        let whole = backward([0..<inputs])
        let blocked = backward([0..<16, 16..<32, 32..<inputs])
        for (a, b) in zip(whole.dX + whole.dW, blocked.dX + blocked.dW) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // dX = dY W^T, zeroed where the input was clamped; dW = X^T dY
        for r in 0..<rows {
            for i in 0..<inputs {
                let expected = x[r * inputs + i] > 0 ? (0..<outputs).reduce(0) { $0 + dY[r * outputs + $1] * w[i * outputs + $1] } : 0
                XCTAssertEqual(whole.dX[r * inputs + i], expected, accuracy: 1e-5)
            }
        }
        for i in 0..<inputs {
            for o in 0..<outputs {
                let expected = (0..<rows).reduce(Float(0)) { $0 + x[$1 * inputs + i] * dY[$1 * outputs + o] }
                XCTAssertEqual(whole.dW[i * outputs + o], expected, accuracy: 1e-5)
            }
        }
    }

    func testKernelChoiceFollowsCPUFeatures() {
        let skylake: Set<String> = ["avx", "avx2", "fma", "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"]
        XCTAssertEqual(BLASKernelSelection.bestCoreType(cpuFlags: skylake), "SkylakeX")
        XCTAssertEqual(BLASKernelSelection.bestCoreType(cpuFlags: ["avx", "avx2", "fma", "avx512f"]), "Haswell")
        XCTAssertEqual(BLASKernelSelection.bestCoreType(cpuFlags: ["sse3", "avx"]), "Sandybridge")
        XCTAssertNil(BLASKernelSelection.bestCoreType(cpuFlags: ["sse2", "sse3"]))
        if BLASKernelSelection.cpuFlags().contains("avx") {
            XCTAssertNotEqual(GEMM.kernelName, "Prescott", "a CPU with AVX gets better than SSE3 kernels")
        }
    }

    func testParallelWorkFlushesDenormalsToZeroAndRestoresTheMode() {
        #if arch(x86_64)
        let tiny = [Float.leastNormalMagnitude, 0.5]  // an array, so the product is computed at run time
        var flushed: Float = -1
        Parallel.forEachChunk(of: 1) { _ in flushed = tiny[0] * tiny[1] }
        XCTAssertEqual(flushed, 0, "a denormal result is flushed inside parallel work")
        XCTAssertTrue((tiny[0] * tiny[1]).isSubnormal, "and the thread's mode is restored afterwards")
        #endif
    }

    func testEmptyInnerDimensionGivesZeros() {
        var c = [Float](repeating: 7, count: 6)
        GEMM.multiply(m: 2, n: 3, k: 0, a: [], lda: 1, b: [], ldb: 3, c: &c, ldc: 3)
        XCTAssertEqual(c, [0, 0, 0, 0, 0, 0])
    }

    func testVectorKernelsHandleRaggedTails() {
        let count = 19  // two SIMD vectors and a scalar tail
        var x = (0..<count).map { Float($0) - 9 }
        VectorKernels.relu(&x, count: count)
        XCTAssertEqual(x, (0..<count).map { max(0, Float($0) - 9) })
        var gradient = [Float](repeating: 2, count: count)
        VectorKernels.reluBackward(&gradient, activation: x, count: count)
        XCTAssertEqual(gradient, x.map { $0 > 0 ? 2 : 0 })
        var sums = [Float](repeating: 9, count: 3)
        VectorKernels.columnSums([1, 2, 3, 4, 5, 6], rows: 2, cols: 3, into: &sums)
        XCTAssertEqual(sums, [5, 7, 9])
    }

    func testParallelChunksCoverEveryIndexOnce() {
        for count in [0, 1, 100, 70_001, 200_000] {
            let hits = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, count))
            hits.initialize(repeating: 0)
            defer { hits.deallocate() }
            Parallel.forEachChunk(of: count, minimumChunk: 1000) { range in
                XCTAssertEqual(range.lowerBound % 64, 0)
                for i in range { hits[i] += 1 }
            }
            XCTAssertTrue(hits.prefix(count).allSatisfy { $0 == 1 }, "count \(count)")
        }
    }
}
