import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TestHelpers
import XCTest
@testable import PruneKit

/// The whole sweep on real data: a small slice of Fashion-MNIST through SweepRunner.
final class EndToEndTests: XCTestCase {
    func testSmallFashionMNISTSweepWritesEveryFileWithPlausibleResults() throws {
        try TestRequirement.fashionMNIST()
        let json = """
            {"name": "fashion-mnist slice",
             "dataset": {"name": "fashion-mnist", "train_limit": 5000, "test_limit": 500},
             "model": {"hidden": [64, 32]},
             "training": {"epochs": 2, "batch_size": 32},
             "pruning": {"methods": ["weight", "unit"], "sparsities": [0, 50, 99]}}
            """
        let spec = try SweepSpec.parse(Data(json.utf8))
        let output = try makeTemporaryFolder(self)
        let outcome = try SweepRunner(spec: spec, outputDirectory: output).run()

        XCTAssertEqual(Set(outcome.artifacts), Set(SweepRunner.artifactNames).subtracting(["sensitivity.svg"]), "sensitivity.svg needs the each-layer scope")
        XCTAssertEqual(outcome.rows.count, 6)
        let row = { (method: PruningMethod, sparsity: Double) in outcome.rows.first { $0.method == method && $0.targetSparsity == sparsity }! }
        // Two epochs on 5000 images already sorts most of the ten classes; chance is 10%.
        XCTAssertGreaterThan(row(.weight, 0).accuracy, 0.6)
        XCTAssertEqual(row(.weight, 0).accuracy, row(.unit, 0).accuracy)
        // Magnitude pruning at 50% keeps nearly all of it; removing 99% of the units does not.
        XCTAssertGreaterThan(row(.weight, 50).accuracy, row(.weight, 0).accuracy - 0.05)
        XCTAssertLessThan(row(.unit, 99).accuracy, row(.unit, 0).accuracy)
        XCTAssertEqual(row(.weight, 0).totalParameters, 784 * 64 + 64 * 32 + 32 * 10)
        XCTAssertEqual(row(.weight, 50).layerSparsity.count, 3)
        XCTAssertEqual(row(.weight, 50).layerSparsity[0], 0.5, accuracy: 0.001)
        XCTAssertEqual(row(.weight, 50).layerSparsity[2], 0)

        let csv = try String(contentsOf: output.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(try ResultsCSV.decode(csv), outcome.rows)
        let summary = try CSV.decode(String(contentsOf: output.appendingPathComponent("summary.csv"), encoding: .utf8))
        XCTAssertEqual(summary.count, 1 + 6)
        for chart in ["accuracy.svg", "loss.svg", "latency.svg", "weights.svg"] {
            let root = try parseSVG(String(contentsOf: output.appendingPathComponent(chart), encoding: .utf8))
            XCTAssertFalse(root.descendants("text").isEmpty, chart)
        }
        let weights = try parseSVG(String(contentsOf: output.appendingPathComponent("weights.svg"), encoding: .utf8))
        XCTAssertEqual(weights.descendants("g").filter { $0.hasClass("histogram") }.count, 4, "two layers, two histograms each")
        let checkpoint = try Safetensors.read(from: output.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(checkpoint.layerSizes, [784, 64, 32, 10])
    }
}
