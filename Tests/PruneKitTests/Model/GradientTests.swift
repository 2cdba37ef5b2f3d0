import XCTest
@testable import PruneKit

/// The analytic gradients of the training pass against central finite differences of a
/// Double-precision forward pass written out independently here.
final class GradientTests: XCTestCase {
    private func referenceLoss(_ model: MLP, _ data: LabeledImages, _ indices: [Int]) -> Double {
        var total = 0.0
        for index in indices {
            var x = (0..<data.features).map { Double(data.pixels[index * data.features + $0]) / 255 }
            for (l, w) in model.weights.enumerated() {
                var y = (0..<w.cols).map { c in model.hasBias ? Double(model.biases[l][c]) : 0 }
                for r in 0..<w.rows { for c in 0..<w.cols { y[c] += x[r] * Double(w[r, c]) } }
                x = l < model.layerCount - 1 ? y.map { max(0, $0) } : y
            }
            let largest = x.max()!
            total += log(x.map { exp($0 - largest) }.reduce(0, +)) + largest - x[Int(data.labels[index])]
        }
        return total / Double(indices.count)
    }

    private func checkGradients(bias: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let data = try smallSyntheticDataset(trainSize: 12, testSize: 1, features: 6, classes: 3).train
        var model = MLP.glorotUniform(layerSizes: [6, 5, 4, 3], bias: bias, seed: 11)
        if bias {  // nonzero biases, so their gradients are exercised off the initial point
            var generator = SeededGenerator(seed: 12)
            for l in 0..<model.layerCount { model.biases[l] = model.biases[l].map { _ in generator.nextUnitFloat() * 0.2 - 0.1 } }
        }
        let indices = Array(0..<12)
        let (loss, gradients) = model.lossAndGradients(on: data, indices: indices)
        XCTAssertEqual(loss, referenceLoss(model, data, indices), accuracy: 1e-5, file: file, line: line)

        // Central differences; the step is small so no ReLU input crosses zero, and the
        // quotient divides by the step as actually stored in Float.
        let h: Float = 1e-3
        func numeric(_ perturb: (inout MLP, Float) -> Float) -> Double {
            var plus = model, minus = model
            let high = perturb(&plus, h)
            let low = perturb(&minus, -h)
            return (referenceLoss(plus, data, indices) - referenceLoss(minus, data, indices)) / (Double(high) - Double(low))
        }
        var checked = 0
        for l in 0..<model.layerCount {
            for i in 0..<model.weights[l].count {
                let expected = numeric { $0.weights[l].data[i] += $1; return $0.weights[l].data[i] }
                XCTAssertEqual(Double(gradients.weights[l].data[i]), expected, accuracy: 2e-3 + 2e-2 * abs(expected),
                               "weight \(i) of layer \(l)", file: file, line: line)
                checked += 1
            }
            if bias {
                for c in 0..<model.biases[l].count {
                    let expected = numeric { $0.biases[l][c] += $1; return $0.biases[l][c] }
                    XCTAssertEqual(Double(gradients.biases[l][c]), expected, accuracy: 2e-3 + 2e-2 * abs(expected),
                                   "bias \(c) of layer \(l)", file: file, line: line)
                }
            }
        }
        XCTAssertEqual(checked, 6 * 5 + 5 * 4 + 4 * 3)
        XCTAssertGreaterThan(gradients.weights.flatMap(\.data).map(abs).max()!, 1e-3, "gradients are not trivially zero")
    }

    func testGradientsMatchFiniteDifferencesWithoutBias() throws {
        try checkGradients(bias: false)
    }

    func testGradientsMatchFiniteDifferencesWithBias() throws {
        try checkGradients(bias: true)
    }

    func testMaskedWeightsGetZeroGradient() throws {
        let data = try smallSyntheticDataset(trainSize: 8, testSize: 1, features: 6, classes: 3).train
        let model = MLP.glorotUniform(layerSizes: [6, 5, 3], bias: false, seed: 3)
        let mask = Matrix(rows: 6, cols: 5, data: (0..<30).map { $0 % 3 == 0 ? 0 : 1 })
        let session = TrainingSession(model: model, batchCapacity: 8, masks: WeightMasks(layers: [mask, nil]))
        _ = session.computeGradients(data: data, indices: 0..<8)
        let gradients = session.exportModel(gradients: true)
        for i in 0..<30 where i % 3 == 0 { XCTAssertEqual(gradients.weights[0].data[i], 0) }
        XCTAssertTrue(gradients.weights[0].data.enumerated().contains { $0.offset % 3 != 0 && $0.element != 0 })
        XCTAssertTrue(session.exportModel().weights[0].data.enumerated().allSatisfy { $0.offset % 3 != 0 || $0.element == 0 },
                      "masked weights are zeroed on load")
    }
}
