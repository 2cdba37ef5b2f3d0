import XCTest
@testable import PruneKit

/// The CSR layout and the tile kernel: the same logits as the dense network, whatever the shape,
/// sparsity or batch size (tiles are `SparseTile.width` samples; batches are cut across them).
final class SparseMLPTests: XCTestCase {
    func testSparseMatrixStoresEachOutputsNonzeroInputsInOrder() {
        // W is inputs x outputs; output 0 reads inputs 0 and 2, output 1 reads input 2, output 2 nothing.
        let w = Matrix(rows: 3, cols: 3, data: [1, 0, 0,
                                                0, 0, 0,
                                                2, 3, 0])
        let sparse = SparseMatrix(transposing: w)
        XCTAssertEqual(sparse.rows, 3)
        XCTAssertEqual(sparse.cols, 3)
        XCTAssertEqual(sparse.rowStarts, [0, 2, 3, 3])
        XCTAssertEqual(sparse.columns, [0, 2, 2])
        XCTAssertEqual(sparse.values, [1, 2, 3])
        XCTAssertEqual(sparse.nonzeroCount, 3)
        XCTAssertEqual(sparse.sparsity, 6.0 / 9, accuracy: 1e-12)
    }

    func testTransposingGivesWhatAWalkDownEachColumnGives() {
        var generator = SeededGenerator(seed: 12)
        for (inputs, outputs) in [(37, 23), (1, 5), (6, 1), (0, 4), (4, 0)] {
            let data = (0..<inputs * outputs).map { _ -> Float in
                switch generator.nextInt(below: 4) {
                case 0: return -0.0
                case 1: return generator.nextUnitFloat() - 0.5
                default: return 0
                }
            }
            let w = Matrix(rows: inputs, cols: outputs, data: data)
            var rowStarts: [Int] = [], columns: [Int32] = [], values: [Float] = []
            for output in 0..<outputs {
                rowStarts.append(values.count)
                for input in 0..<inputs where w[input, output] != 0 {
                    columns.append(Int32(input))
                    values.append(w[input, output])
                }
            }
            rowStarts.append(values.count)
            let sparse = SparseMatrix(transposing: w)
            XCTAssertEqual([sparse.rows, sparse.cols], [outputs, inputs])
            XCTAssertEqual(sparse.rowStarts, rowStarts, "\(inputs) x \(outputs)")
            XCTAssertEqual(sparse.columns, columns)
            XCTAssertEqual(sparse.values, values)
        }
    }

    func testMatchesTheDenseNetworkAtSeveralSparsitiesShapesAndBatchSizes() {
        let width = SparseTile.width
        let batches = [1, width - 1, width, width + 1, 2 * width + 5]
        for (shape, sizes) in [[20, 37, 19, 3], [5, 64, 7], [9, 4]].enumerated() {
            for bias in [false, true] {
                let model = PruningFixtures.randomMLP(sizes, bias: bias, seed: UInt64(shape))
                for sparsity in [0.0, 50, 90, 99] {
                    let pruned = Pruner.prune(model, method: .weight, sparsity: sparsity, pruneLastLayer: true, seed: 0).model
                    for instructionSet in KernelInstructionSet.supported {
                        let sparse = SparseMLP(pruned, instructionSet: instructionSet)
                        for rows in batches {
                            let input = PruningFixtures.randomInput(rows: rows, cols: sizes[0], seed: UInt64(rows))
                            let logits = sparse.logits(input)
                            XCTAssertEqual([logits.rows, logits.cols], [rows, sizes.last!])
                            PruningFixtures.assertClose(logits.data, PruningFixtures.referenceLogits(pruned, input),
                                                        "\(sizes) bias \(bias) at \(sparsity)% on \(rows) rows, \(instructionSet)")
                        }
                    }
                }
            }
        }
    }

    func testAgreesWithTheDenseKernel() {
        let model = Pruner.prune(PruningFixtures.randomMLP([50, 80, 30, 10], bias: true), method: .weight,
                                 sparsity: 80, pruneLastLayer: false, seed: 0).model
        let input = PruningFixtures.randomInput(rows: 100, cols: 50)
        let dense = model.logits(input)
        PruningFixtures.assertClose(SparseMLP(model).logits(input).data, dense.data.map(Double.init))
    }

    func testEmptyRowsAndFullyPrunedLayers() {
        for instructionSet in KernelInstructionSet.supported {
            var model = PruningFixtures.randomMLP([6, 5, 4, 3], bias: true)
            for row in 0..<6 { model.weights[0][row, 1] = 0; model.weights[0][row, 3] = 0 }   // outputs with no inputs
            for row in 0..<5 { model.weights[0][row % 6, 0] = 0 }                                 // a partly empty column
            let input = PruningFixtures.randomInput(rows: 21, cols: 6)
            PruningFixtures.assertClose(SparseMLP(model, instructionSet: instructionSet).logits(input).data, PruningFixtures.referenceLogits(model, input))

            // A fully pruned middle layer: every later activation is bias-driven, the same for all samples.
            model.weights[1] = Matrix(rows: 5, cols: 4)
            let logits = SparseMLP(model, instructionSet: instructionSet).logits(input)
            PruningFixtures.assertClose(logits.data, PruningFixtures.referenceLogits(model, input))
            for row in 1..<21 { XCTAssertEqual(Array(logits.data[row * 3 ..< row * 3 + 3]), Array(logits.data[0..<3])) }

            // A fully pruned last layer gives exactly the biases; without biases, exactly zero.
            model.weights[2] = Matrix(rows: 4, cols: 3)
            XCTAssertEqual(SparseMLP(model, instructionSet: instructionSet).logits(input).data, Array((0..<21).map { _ in model.biases[2] }.joined()))
            let noBias = MLP(weights: model.weights)
            XCTAssertEqual(SparseMLP(noBias, instructionSet: instructionSet).logits(input).data, [Float](repeating: 0, count: 63))
        }
    }

    func testEmptyBatchGivesNoRows() {
        let sparse = SparseMLP(PruningFixtures.randomMLP([4, 3, 2]))
        let logits = sparse.logits(Matrix(rows: 0, cols: 4))
        XCTAssertEqual([logits.rows, logits.cols], [0, 2])
    }

    func testASamplesLogitsDoNotDependOnItsBatchOrThreads() {
        let sparse = SparseMLP(Pruner.prune(PruningFixtures.randomMLP([10, 30, 20, 4], bias: true), method: .weight,
                                            sparsity: 70, pruneLastLayer: false, seed: 0).model)
        let input = PruningFixtures.randomInput(rows: 3 * SparseTile.width + 3, cols: 10)
        let batch = sparse.logits(input)
        XCTAssertEqual(sparse.logits(input), batch, "the same call gives bit-identical logits")
        for row in [0, SparseTile.width, input.rows - 1] {
            let alone = sparse.logits(Matrix(rows: 1, cols: 10, data: Array(input.data[row * 10 ..< row * 10 + 10])))
            XCTAssertEqual(alone.data, Array(batch.data[row * 4 ..< row * 4 + 4]), "row \(row)")
        }
    }
}
