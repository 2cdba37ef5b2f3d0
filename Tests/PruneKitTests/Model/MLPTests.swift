import XCTest
@testable import PruneKit

final class MLPTests: XCTestCase {
    func testGlorotUniformShapesBoundsAndSeed() {
        let model = MLP.glorotUniform(layerSizes: [30, 20, 4], bias: true, seed: 7)
        XCTAssertEqual(model.layerSizes, [30, 20, 4])
        XCTAssertEqual(model.biases, [[Float](repeating: 0, count: 20), [Float](repeating: 0, count: 4)])
        for w in model.weights {
            let limit = (6 / Float(w.rows + w.cols)).squareRoot()
            XCTAssertTrue(w.data.allSatisfy { abs($0) <= limit })
            XCTAssertGreaterThan(w.data.map(abs).max()!, 0.9 * limit, "spans the range")
        }
        // 600 uniform values: the mean's standard deviation is limit / sqrt(3 * 600), about 0.024 limit.
        let first = model.weights[0]
        XCTAssertEqual(first.data.reduce(0, +) / Float(first.count), 0, accuracy: 0.1 * (6 / Float(50)).squareRoot())
        XCTAssertEqual(model, MLP.glorotUniform(layerSizes: [30, 20, 4], bias: true, seed: 7))
        XCTAssertNotEqual(model, MLP.glorotUniform(layerSizes: [30, 20, 4], bias: true, seed: 8))
        XCTAssertTrue(MLP.glorotUniform(layerSizes: [3, 2], bias: false, seed: 0).biases.isEmpty)
    }

    /// A 2-3-2 network small enough to work out by hand.
    private let handModel = MLP(
        weights: [Matrix(rows: 2, cols: 3, data: [1, -1, 0.5,
                                                  2, 1, -1]),
                  Matrix(rows: 3, cols: 2, data: [1, 0,
                                                  0, 1,
                                                  -1, 2])],
        biases: [[0, 0.5, -1], [0.25, 0]])

    func testTheSameParametersMeansTheSameBits() {
        let model = MLP.glorotUniform(layerSizes: [6, 4, 3], bias: true, seed: 2)
        XCTAssertTrue(model.hasTheSameParameters(as: model))
        var other = model
        other.weights[1][3, 2] = model.weights[1][3, 2].nextUp
        XCTAssertFalse(model.hasTheSameParameters(as: other), "one weight one ulp apart")
        var zero = model, negativeZero = model
        zero.biases[0][1] = 0
        negativeZero.biases[0][1] = -0.0
        XCTAssertEqual(zero, negativeZero, "== calls them equal")
        XCTAssertFalse(zero.hasTheSameParameters(as: negativeZero), "their bits differ")
        var nan = model
        nan.weights[0][0, 0] = .nan
        XCTAssertTrue(nan.hasTheSameParameters(as: nan))
        XCTAssertFalse(model.hasTheSameParameters(as: MLP.glorotUniform(layerSizes: [6, 4, 3], bias: false, seed: 2)))
        XCTAssertFalse(model.hasTheSameParameters(as: MLP.glorotUniform(layerSizes: [6, 5, 3], bias: true, seed: 2)))
    }

    func testLogitsApplyBiasAndReLUBetweenLayers() {
        // x = [1, 1]: z1 = [3, 0.5, -1.5], relu -> [3, 0.5, 0]; z2 = [3.25, 0.5]
        // x = [-1, 0.5]: z1 = [0, 2, -2], relu -> [0, 2, 0]; z2 = [0.25, 2]
        let out = handModel.logits(Matrix(rows: 2, cols: 2, data: [1, 1, -1, 0.5]))
        XCTAssertEqual(out, Matrix(rows: 2, cols: 2, data: [3.25, 0.5, 0.25, 2]))
        let noBias = MLP(weights: handModel.weights)
        // x = [1, 1]: z1 = [3, 0, -0.5] -> [3, 0, 0]; z2 = [3, 0]
        XCTAssertEqual(noBias.logits(Matrix(rows: 1, cols: 2, data: [1, 1])), Matrix(rows: 1, cols: 2, data: [3, 0]))
    }

    func testEvaluateGivesAccuracyAndMeanCrossEntropy() {
        // Pixels 255 and 128 give inputs [1, 1] and [128/255, 0]; batches of 1 exercise the loop.
        let data = LabeledImages(features: 2, pixels: [255, 255, 128, 0], labels: [0, 0])
        let evaluation = handModel.evaluate(on: data, batchSize: 1)
        let batch = handModel.logits(Matrix(rows: 2, cols: 2, data: [1, 1, 128 / 255, 0]))
        var expectedLoss = 0.0
        var correct = 0
        for r in 0..<2 {
            let z = [Double(batch[r, 0]), Double(batch[r, 1])]
            expectedLoss += log(exp(z[0]) + exp(z[1])) - z[0]
            if z[0] >= z[1] { correct += 1 }
        }
        XCTAssertEqual(evaluation.accuracy, Double(correct) / 2)
        XCTAssertEqual(evaluation.loss, expectedLoss / 2, accuracy: 1e-5)
        XCTAssertEqual(handModel.evaluate(on: data, batchSize: 1000), evaluation)
    }

    func testSoftmaxCrossEntropyIsStableForLargeLogits() {
        let logits: [Float] = [1000, 0, -1000]
        var gradient = [Float](repeating: 0, count: 3)
        let loss = softmaxCrossEntropy(logits: logits, labels: [1], rows: 1, classes: 3, logitsGradient: &gradient)
        XCTAssertEqual(loss, 1000, accuracy: 1e-3)
        XCTAssertEqual(gradient, [1, -1, 0])
    }
}
