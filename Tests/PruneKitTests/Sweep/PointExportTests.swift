import Foundation
import XCTest
@testable import PruneKit

final class PointExportTests: XCTestCase {
    func testPointsAreWrittenAsTheyWereMeasured() throws {
        let folder = try makeTemporaryFolder(self)
        let outcome = try SweepRunner(spec: tinySweep(repeats: 2, sparsities: [0, 50, 90]), outputDirectory: folder).run()
        for row in outcome.rows {
            let exported = try PointExport.network(folder: folder, point: PointSelector(method: row.method, sparsity: row.targetSparsity, repeatIndex: row.repeatIndex))
            XCTAssertEqual(exported.source, "rebuilt")
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

    func testIterativeLastStepsAreReadBackAndTrainedPointsRefused() throws {
        let folder = try makeTemporaryFolder(self)
        var spec = tinySweep(repeats: 1, finetuneEpochs: 1, methods: [.weight], sparsities: [50, 80])
        spec.pruning.schedule = .iterative
        let outcome = try SweepRunner(spec: spec, outputDirectory: folder).run()
        let last = try PointExport.network(folder: folder, point: PointSelector(method: .weight, sparsity: 80))
        XCTAssertEqual(last.source, "stored")
        XCTAssertEqual(last.model.evaluate(on: try Dataset.load(spec.dataset).test).accuracy,
                       try XCTUnwrap(outcome.rows.first { $0.targetSparsity == 80 }).accuracy, accuracy: 1e-9)
        XCTAssertThrowsError(try PointExport.network(folder: folder, point: PointSelector(method: .weight, sparsity: 50))) { error in
            XCTAssertTrue("\(error)".contains("step 1, an earlier one"), "\(error)")
        }
        let tuned = try makeTemporaryFolder(self)
        _ = try SweepRunner(spec: tinySweep(repeats: 1, finetuneEpochs: 1, methods: [.weight], sparsities: [50]), outputDirectory: tuned).run()
        XCTAssertThrowsError(try PointExport.network(folder: tuned, point: PointSelector(method: .weight, sparsity: 50))) { error in
            XCTAssertEqual(error as? PointExportError, .notAvailable("points of a one-shot sweep with finetune_epochs are trained after pruning and not kept; only one-shot points without fine-tuning and the last step of iterative lines are exported"))
        }
    }

    func testPointSelectorsParse() {
        XCTAssertEqual(PointSelector("weight:90"), PointSelector(method: .weight, sparsity: 90))
        XCTAssertEqual(PointSelector("unit:97.5:2"), PointSelector(method: .unit, sparsity: 97.5, repeatIndex: 2))
        XCTAssertNil(PointSelector("weight"))
        XCTAssertNil(PointSelector("nope:50"))
        XCTAssertNil(PointSelector("weight:50:-1"))
    }
}
