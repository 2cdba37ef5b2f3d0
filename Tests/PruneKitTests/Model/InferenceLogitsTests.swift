import CKernels
import XCTest
@testable import PruneKit

/// `MLP.inferenceLogits`, the timed forward pass: the dot-product kernel for layers with few
/// outputs and the row-split pass agree with the textbook logits within rounding, whatever the
/// shape, bias or batch; a row's logits from the dot kernel never depend on the rest of its batch.
final class InferenceLogitsTests: XCTestCase {
    func testTheDotKernelMatchesTheTextbookProductForEveryInstructionSet() {
        // Inputs not a multiple of 8 (the remainder loop), outputs 1...12 (every block size of 5, and
        // more than one block), one row and an odd number of rows (the single-row block).
        for (inputs, outputs) in [(1, 1), (7, 3), (8, 5), (29, 6), (130, 10), (200, 12)] {
            for rows in [1, 2, 7] {
                for bias in [false, true] {
                    let model = PruningFixtures.randomMLP([inputs, outputs], bias: bias, seed: UInt64(inputs + outputs))
                    let input = PruningFixtures.randomInput(rows: rows, cols: inputs, seed: UInt64(rows))
                    let transposed = MLP.transpose(model.weights[0])
                    for instructionSet in KernelInstructionSet.supported {
                        for relu in [false, true] {
                            var output = [Float](repeating: .nan, count: rows * outputs)
                            input.data.withUnsafeBufferPointer { x in
                                transposed.withUnsafeBufferPointer { w in
                                    output.withUnsafeMutableBufferPointer { y in
                                        let b = bias ? model.biases[0] : [Float](repeating: 0, count: outputs)
                                        b.withUnsafeBufferPointer { b in
                                            prunelab_small_dense_layer(instructionSet.rawValue, x.baseAddress!, Int64(rows), Int64(inputs),
                                                                       w.baseAddress!, bias ? b.baseAddress : nil, Int64(outputs),
                                                                       relu ? 1 : 0, y.baseAddress!)
                                        }
                                    }
                                }
                            }
                            let expected = PruningFixtures.referenceLogits(model, input).map { relu ? max($0, 0) : $0 }
                            PruningFixtures.assertClose(output, expected, "\(inputs) x \(outputs), \(rows) rows, \(instructionSet), relu \(relu)")
                        }
                    }
                }
            }
        }
    }

    func testMatchesTheDenseLogitsOnNarrowWideAndMixedNetworks() {
        // A unit-pruned shape (all layers narrow, the first through the dot kernel), a wide one with a
        // narrow last layer, and wide and narrow layers alternating; 600 rows split across the cores.
        for sizes in [[300, 10, 10, 5, 2, 10], [200, 40, 30, 10], [150, 8, 60, 4]] {
            for bias in [false, true] {
                let model = PruningFixtures.randomMLP(sizes, bias: bias, seed: UInt64(sizes[1]))
                for rows in [1, 3, 33, 600] {
                    let input = PruningFixtures.randomInput(rows: rows, cols: sizes[0], seed: UInt64(rows))
                    let logits = model.inferenceLogits(input)
                    XCTAssertEqual([logits.rows, logits.cols], [rows, sizes.last!])
                    PruningFixtures.assertClose(logits.data, PruningFixtures.referenceLogits(model, input), "\(sizes) bias \(bias), \(rows) rows")
                    PruningFixtures.assertClose(logits.data, model.logits(input).data.map(Double.init), "against logits, \(sizes)")
                }
            }
        }
    }

    func testARowsLogitsFromTheDotKernelDoNotDependOnItsBatch() {
        let model = PruningFixtures.randomMLP([160, 10], bias: true)
        let input = PruningFixtures.randomInput(rows: 601, cols: 160)
        let batch = model.inferenceLogits(input)
        for row in [0, 1, 300, 599, 600] {
            let alone = model.inferenceLogits(Matrix(rows: 1, cols: 160, data: Array(input.data[row * 160 ..< (row + 1) * 160])))
            XCTAssertEqual(alone.data, Array(batch.data[row * 10 ..< (row + 1) * 10]), "row \(row)")
        }
    }

    func testEmptyBatchesAndLayersFallBackToTheDenseLogits() {
        let model = PruningFixtures.randomMLP([140, 6, 3], bias: true)
        XCTAssertEqual(model.inferenceLogits(Matrix(rows: 0, cols: 140)), Matrix(rows: 0, cols: 3))
        let empty = MLP(weights: [Matrix(rows: 140, cols: 0), Matrix(rows: 0, cols: 3)], biases: [[], [0.5, -1, 2]])
        let input = PruningFixtures.randomInput(rows: 4, cols: 140)
        XCTAssertEqual(empty.inferenceLogits(input), empty.logits(input))
    }
}
