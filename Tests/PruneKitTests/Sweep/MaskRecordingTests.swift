import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import PruneKit

/// A sweep records where every point's network was cut, in masks.json and masks.svg.
final class MaskRecordingTests: XCTestCase {
    func testEveryMeasuredPointIsRecordedAndMatchesItsNetwork() throws {
        let folder = try makeTemporaryFolder(self)
        let spec = tinySweep(repeats: 2)
        let outcome = try SweepRunner(spec: spec, outputDirectory: folder).run()
        let file = try XCTUnwrap(try MaskFile.read(folder: folder))
        XCTAssertEqual(file.inputShape, [16])
        XCTAssertEqual(file.trained.map(\.repeatIndex), [0, 1])
        XCTAssertEqual(Set(file.points.map(\.point)), Set(outcome.rows.map(\.point)))
        for row in outcome.rows {
            let summary = try XCTUnwrap(file.summary(of: row.point))
            XCTAssertEqual(summary.inputKept.count, 16)
            // The kept weights add up to the row's nonzero weights (no biases here).
            XCTAssertEqual(summary.layers.map(\.weightsKept).reduce(0, +), row.nonzeroParameters, "\(row.point)")
        }
        // The one-shot network rebuilt from the checkpoint cuts the same inputs.
        let point = PointSelector(method: .weight, sparsity: 90, repeatIndex: 1)
        let rebuilt = try PointExport.network(folder: folder, point: point)
        let stored = try XCTUnwrap(file.summary(of: SweepPoint(method: .weight, targetSparsity: 90, repeatIndex: 1)))
        XCTAssertEqual(stored.inputKept, MaskSummary.cut(of: rebuilt.model).inputKept.map { ($0 * 1e6).rounded() / 1e6 })
        XCTAssertLessThan(stored.layers[0].weightsKept, stored.layers[0].weightsTotal / 5)

        let sheet = try parseSVG(String(contentsOf: folder.appendingPathComponent("masks.svg"), encoding: .utf8))
        let maps = sheet.descendants("g").filter { $0.hasClass("heatmap") }
        XCTAssertEqual(maps.count, 6, "repeat 0's points")
        XCTAssertTrue(maps.allSatisfy { $0.descendants("rect").count == 16 })

        // Resumed with nothing left to measure, the file keeps every point.
        _ = try SweepRunner(spec: spec, outputDirectory: folder).run()
        XCTAssertEqual(try MaskFile.read(folder: folder)?.points.count, outcome.rows.count)
    }

    /// masks.json is rewritten after every point from entries encoded once: the bytes are those
    /// of encoding the whole file, also after an entry is replaced; masks.svg, drawn when a run
    /// ends, shows the points of the earlier run as well as this one's.
    func testIncrementalMasksAreTheWholeFileAndTheSheetCoversAResumedRun() throws {
        let folder = try makeTemporaryFolder(self)
        let first = tinySweep(repeats: 1, methods: [.weight, .unit], sparsities: [50])
        _ = try SweepRunner(spec: first, outputDirectory: folder).run()
        let more = tinySweep(repeats: 1, methods: [.weight, .unit], sparsities: [50, 90])
        let outcome = try SweepRunner(spec: more, outputDirectory: folder).run()
        let written = try Data(contentsOf: folder.appendingPathComponent("masks.json"))
        var file = try XCTUnwrap(try MaskFile.read(folder: folder))
        XCTAssertEqual(written, try file.encoded())
        XCTAssertEqual(file.points.count, outcome.rows.count)
        let sheet = try parseSVG(String(contentsOf: folder.appendingPathComponent("masks.svg"), encoding: .utf8))
        XCTAssertEqual(sheet.descendants("g").filter { $0.hasClass("heatmap") }.count, outcome.rows.count)

        var entries: [SweepPoint: Data] = [:]
        XCTAssertEqual(try file.encoded(reusing: &entries), try file.encoded())
        XCTAssertEqual(entries.count, file.points.count, "every entry encoded once, kept for the next write")
        var replaced = file.points[0]
        replaced.inputKept[0] = 0.25
        file.record(replaced)
        entries[replaced.point] = try MaskFile.encodedEntry(replaced)
        XCTAssertEqual(try file.encoded(reusing: &entries), try file.encoded())
    }

    func testControlsThatKeepTheMaskAreRecordedAsTheirVariant() throws {
        let folder = try makeTemporaryFolder(self)
        var spec = tinySweep(repeats: 1, finetuneEpochs: 1, methods: [.weight], sparsities: [50])
        spec.pruning.controls = [.randomReinit, .smallDense]
        _ = try SweepRunner(spec: spec, outputDirectory: folder).run()
        let file = try XCTUnwrap(try MaskFile.read(folder: folder))
        XCTAssertEqual(file.points.map(\.variant), [.pruned, .randomReinit], "small-dense networks have another shape: no mask")
        XCTAssertEqual(file.points[0].layers.map(\.weightsKept), file.points[1].layers.map(\.weightsKept), "the same mask on fresh weights")
    }
}
