import Foundation
import XCTest
@testable import PruneKit

final class PointExportTests: XCTestCase {
    func testPointsAreWrittenAsTheyWereMeasured() throws {
        let folder = try makeTemporaryFolder(self)
        let outcome = try SweepRunner(spec: tinySweep(repeats: 2, sparsities: [0, 50, 90]), outputDirectory: folder).run()
        for row in outcome.rows {
            let exported = try PointExport.network(folder: folder, point: PointSelector(method: row.method, sparsity: row.targetSparsity, repeatIndex: row.repeatIndex))
            XCTAssertEqual(exported.source, .rebuilt)
            let params = exported.model.weights.reduce(0) { $0 + $1.data.filter { $0 != 0 }.count } + exported.model.biases.reduce(0) { $0 + $1.count }
            XCTAssertEqual(params, row.nonzeroParameters, "\(row.method) \(row.targetSparsity) repeat \(row.repeatIndex)")
        }
        let url = folder.appendingPathComponent("csr.safetensors")
        _ = try PointExport.write(folder: folder, point: PointSelector(method: .weight, sparsity: 90, repeatIndex: 1), to: url, format: .csr)
        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(file.metadata["repeat"], "1")
        XCTAssertEqual(file.tensors["0.row_ptr"]?.shape, [17], "one row per output unit, plus one")
        XCTAssertNotNil(file.tensors["2.values"])
    }

    func testIterativeStepsAndFineTunedPointsAreReadBack() throws {
        let folder = try makeTemporaryFolder(self)
        var spec = tinySweep(repeats: 1, finetuneEpochs: 1, methods: [.weight], sparsities: [50, 80])
        spec.pruning.schedule = .iterative
        let outcome = try SweepRunner(spec: spec, outputDirectory: folder).run()
        let test = try Dataset.load(spec.dataset).test
        for row in outcome.rows {
            let step = try PointExport.network(folder: folder, point: PointSelector(method: .weight, sparsity: row.targetSparsity))
            XCTAssertEqual(step.source, .stored)
            XCTAssertEqual(step.model.evaluate(on: test).accuracy, row.accuracy, "step \(row.step ?? 0)")
        }
        let tuned = try makeTemporaryFolder(self)
        let rows = try SweepRunner(spec: tinySweep(repeats: 1, finetuneEpochs: 1, methods: [.weight], sparsities: [50]), outputDirectory: tuned).run().rows
        let exported = try PointExport.network(folder: tuned, point: PointSelector(method: .weight, sparsity: 50))
        XCTAssertEqual(exported.source, .stored)
        XCTAssertEqual(exported.model.evaluate(on: test).accuracy, rows[0].accuracy)
    }

    func testPointSelectorsParse() {
        XCTAssertEqual(PointSelector("weight:90"), PointSelector(method: .weight, sparsity: 90))
        XCTAssertEqual(PointSelector("unit:97.5:2"), PointSelector(method: .unit, sparsity: 97.5, repeatIndex: 2))
        XCTAssertNil(PointSelector("weight"))
        XCTAssertNil(PointSelector("nope:50"))
        XCTAssertNil(PointSelector("weight:50:-1"))
        XCTAssertEqual(PointSelector("unit:50", variant: .smallDense, layer: 1)?.text, "unit:50:0 layer 1 (small-dense)")
    }
}
