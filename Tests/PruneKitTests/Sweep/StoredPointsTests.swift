import Foundation
import XCTest
@testable import PruneKit

/// Every point of a sweep exports: rebuilt when one-shot without fine-tuning, otherwise read
/// back from the network the runner kept in points/, and always scoring the row's accuracy.
final class StoredPointsTests: XCTestCase {
    private func spec(_ pruning: PruningSpec, epochs: Int = 2) -> SweepSpec {
        var spec = tinySweep(repeats: 1, epochs: epochs)
        spec.pruning = pruning
        return spec
    }

    private func selector(_ row: ResultRow) -> PointSelector {
        PointSelector(method: row.method, sparsity: row.targetSparsity, repeatIndex: row.repeatIndex, variant: row.variant, layer: row.layer)
    }

    /// Runs `spec` and checks that every row exports from `source` to a network that scores
    /// exactly the row's accuracy and loss and has its nonzeros; returns the folder and rows.
    @discardableResult
    private func assertEveryPointExports(_ spec: SweepSpec, source: (ResultRow) -> PointNetworkSource,
                                         file: StaticString = #filePath, line: UInt = #line) throws -> (URL, [ResultRow]) {
        let folder = try makeTemporaryFolder(self)
        let rows = try SweepRunner(spec: spec, outputDirectory: folder).run().rows
        let test = try Dataset.load(spec.dataset).test
        XCTAssertFalse(rows.isEmpty, file: file, line: line)
        for row in rows {
            let exported = try PointExport.network(folder: folder, point: selector(row))
            let what = "\(selector(row).text) step \(row.step.map(String.init) ?? "-")"
            XCTAssertEqual(exported.source, source(row), what, file: file, line: line)
            let evaluation = exported.model.evaluate(on: test)
            XCTAssertEqual(evaluation.accuracy, row.accuracy, what, file: file, line: line)
            XCTAssertEqual(evaluation.loss, row.loss, accuracy: 1e-6 * max(1, abs(row.loss)), what, file: file, line: line)
            XCTAssertEqual(exported.model.nonzeroParameterCount, row.nonzeroParameters, what, file: file, line: line)
            let stored = FileManager.default.fileExists(atPath: PointStore(sweepFolder: folder).url(row.point, step: row.step).path)
            XCTAssertEqual(stored, source(row) == .stored, "only points that cannot be rebuilt are kept: \(what)", file: file, line: line)
        }
        return (folder, rows)
    }

    func testFineTunedOneShotPointsAndTheirControlsExport() throws {
        let pruning = PruningSpec(methods: [.weight, .unit], sparsities: [0, 50, 90], finetuneEpochs: 1,
                                  controls: [.randomReinit, .smallDense])
        let (folder, rows) = try assertEveryPointExports(spec(pruning)) { _ in .stored }
        XCTAssertEqual(rows.count, 2 * 3 * 3)
        let unit = try PointExport.network(folder: folder, point: PointSelector(method: .unit, sparsity: 50))
        XCTAssertEqual(unit.model.layerSizes, [16, 8, 4, 4], "a unit point is exported shrunk")
        let small = try PointExport.network(folder: folder, point: PointSelector(method: .weight, sparsity: 90, variant: .smallDense))
        XCTAssertLessThan(small.model.weightCount, 16 * 16 + 16 * 8 + 8 * 4, "the small-dense control's own smaller shape")
    }

    func testOneShotControlsAreStoredWhilePrunedPointsAreRebuilt() throws {
        let pruning = PruningSpec(methods: [.weight, .unit], sparsities: [50], controls: [.randomReinit, .smallDense])
        try assertEveryPointExports(spec(pruning)) { $0.variant == .pruned ? .rebuilt : .stored }
    }

    func testEveryIterativeAndLotteryStepExports() throws {
        let iterative = PruningSpec(methods: [.weight, .unit], sparsities: [20, 50, 80], finetuneEpochs: 1, schedule: .iterative)
        let (folder, rows) = try assertEveryPointExports(spec(iterative)) { _ in .stored }
        XCTAssertEqual(rows.map(\.step), [1, 2, 3, 1, 2, 3])
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("points/weight-50-repeat-0-step-2.safetensors").path))
        let lottery = PruningSpec(methods: [.weight], sparsities: [50, 80], schedule: .iterative, rewind: .epoch(1), controls: [.randomReinit])
        try assertEveryPointExports(spec(lottery)) { _ in .stored }
    }

    func testGradualAtInitAndEachLayerPointsExport() throws {
        try assertEveryPointExports(spec(PruningSpec(methods: [.weight, .unit], sparsities: [50, 90], schedule: .gradual))) { _ in .stored }
        try assertEveryPointExports(spec(PruningSpec(methods: [.snip, .weight], sparsities: [50, 90], schedule: .atInit))) { _ in .stored }
        let (_, rows) = try assertEveryPointExports(spec(PruningSpec(methods: [.weight, .unit], sparsities: [60], scope: .eachLayer))) { _ in .rebuilt }
        XCTAssertEqual(Set(rows.compactMap(\.layer)), [0, 1])
        try assertEveryPointExports(spec(PruningSpec(methods: [.weight], sparsities: [60], finetuneEpochs: 1, scope: .eachLayer))) { _ in .stored }
    }

    func testAResumedRunToleratesMissingFilesAndRewritesFilesOfUnrecordedPoints() throws {
        let folder = try makeTemporaryFolder(self)
        let first = spec(PruningSpec(methods: [.weight], sparsities: [50], finetuneEpochs: 1))
        _ = try SweepRunner(spec: first, outputDirectory: folder).run()
        let store = PointStore(sweepFolder: folder)
        let point50 = SweepPoint(method: .weight, targetSparsity: 50, repeatIndex: 0)
        try FileManager.default.removeItem(at: store.url(point50, step: nil))
        // A file of a point with no row yet (a run stopped between the two) holds anything.
        let point90 = SweepPoint(method: .weight, targetSparsity: 90, repeatIndex: 0)
        try Data("not a network".utf8).write(to: store.url(point90, step: nil))

        let more = spec(PruningSpec(methods: [.weight], sparsities: [50, 90], finetuneEpochs: 1))
        let rows = try SweepRunner(spec: more, outputDirectory: folder).run().rows
        XCTAssertEqual(rows.map(\.targetSparsity), [50, 90])
        let exported = try PointExport.network(folder: folder, point: PointSelector(method: .weight, sparsity: 90))
        XCTAssertEqual(exported.model.evaluate(on: try Dataset.load(more.dataset).test).accuracy, rows[1].accuracy)
        XCTAssertThrowsError(try PointExport.network(folder: folder, point: PointSelector(method: .weight, sparsity: 50))) { error in
            XCTAssertEqual(error as? PointExportError, .notAvailable("points/weight-50-repeat-0.safetensors is missing: weight:50:0 trained after pruning or is a control, and this sweep ran before PruneLab kept the networks of such points (run the sweep again to export it)"))
        }
    }

    func testFoldersFromBeforeStoredPointsExportWhatTheyCouldThen() throws {
        let iterative = spec(PruningSpec(methods: [.weight], sparsities: [50, 80], finetuneEpochs: 1, schedule: .iterative))
        let (folder, rows) = try assertEveryPointExports(iterative) { _ in .stored }
        try FileManager.default.removeItem(at: PointStore(sweepFolder: folder).folder)
        let last = try PointExport.network(folder: folder, point: PointSelector(method: .weight, sparsity: 80))
        XCTAssertEqual(last.model.evaluate(on: try Dataset.load(iterative.dataset).test).accuracy, rows[1].accuracy, "from the line's step file")
        XCTAssertThrowsError(try PointExport.network(folder: folder, point: PointSelector(method: .weight, sparsity: 50))) { error in
            XCTAssertEqual(error as? PointExportError, .notAvailable("points/weight-50-repeat-0-step-1.safetensors is missing: this sweep kept only the last step of each iterative line, and weight:50:0 is step 1, an earlier one"))
        }
    }

    func testADamagedStoredFileIsRefusedSayingWhy() throws {
        let pruning = PruningSpec(methods: [.weight], sparsities: [90], finetuneEpochs: 1)
        let (folder, rows) = try assertEveryPointExports(spec(pruning)) { _ in .stored }
        let row = try XCTUnwrap(rows.first)
        let url = PointStore(sweepFolder: folder).url(row.point, step: nil)
        let (network, identity) = try CompactNetwork.read(from: url)
        let point = PointSelector(method: .weight, sparsity: 90)
        let whole = try Data(contentsOf: url)
        try whole.prefix(whole.count - 9).write(to: url)
        XCTAssertThrowsError(try PointExport.network(folder: folder, point: point)) { error in
            guard case .notAvailable(let text)? = error as? PointExportError else { return XCTFail("\(error)") }
            XCTAssertTrue(text.hasPrefix("the stored network of weight:90:0 cannot be read: \(url.path): "), text)
            XCTAssertTrue(text.contains("data_offsets outside"), text)
        }
        // Another point's file under this point's name.
        try CompactNetwork.write(PruningFixtures.randomMLP([16, 16, 8, 4], bias: false), to: url,
                                 metadata: PointStore.identity(SweepPoint(method: .weight, targetSparsity: 50, repeatIndex: 0), step: nil))
        XCTAssertThrowsError(try PointExport.network(folder: folder, point: point)) { error in
            XCTAssertTrue("\(error)".hasSuffix("holds the network of another point (its sparsity is \"50\", not \"90\")"), "\(error)")
        }
        // The right point's identity but other weights: the classes rotated, which moves the
        // accuracy (the four rotations' accuracies add up to 1), so the file is refused.
        try CompactNetwork.write(network, to: url, metadata: identity)
        XCTAssertNoThrow(try PointExport.network(folder: folder, point: point))
        let test = try Dataset.load(spec(pruning).dataset).test
        let rotations = (1...3).map { r -> MLP in
            var rotated = network
            let last = rotated.weights[rotated.weights.count - 1]
            rotated.weights[rotated.weights.count - 1] = Matrix(rows: last.rows, cols: last.cols, data: (0..<last.count).map { j in
                last.data[j / last.cols * last.cols + (j % last.cols + r) % last.cols]
            })
            return rotated
        }
        let rotated = try XCTUnwrap(rotations.max { abs($0.evaluate(on: test).accuracy - row.accuracy) < abs($1.evaluate(on: test).accuracy - row.accuracy) })
        XCTAssertGreaterThan(abs(rotated.evaluate(on: test).accuracy - row.accuracy), 1.5 / Double(test.count))
        try CompactNetwork.write(rotated, to: url, metadata: identity)
        XCTAssertThrowsError(try PointExport.network(folder: folder, point: point)) { error in
            XCTAssertTrue("\(error)".contains("results.csv recorded: the stored file or the data changed since the sweep ran"), "\(error)")
        }
    }
}
