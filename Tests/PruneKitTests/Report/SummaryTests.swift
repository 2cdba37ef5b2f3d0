import XCTest
@testable import PruneKit

final class SummaryTests: XCTestCase {
    // MARK: Spread and summary

    func testSpreadOfKnownValues() {
        let spread = Spread([2, 4, 4, 4, 5, 5, 7, 9])
        XCTAssertEqual(spread.mean, 5)
        // Sample standard deviation: sqrt(32 / 7).
        XCTAssertEqual(spread.std, (32.0 / 7).squareRoot(), accuracy: 1e-12)
    }

    func testSpreadOfOneValueHasNoDeviation() {
        XCTAssertEqual(Spread([0.25]), Spread(mean: 0.25, std: 0))
    }

    func testSummaryGroupsRepeatsInFirstAppearanceOrder() {
        let rows = [
            sampleRow(method: .unit, sparsity: 50, repeatIndex: 0, accuracy: 0.8),
            sampleRow(method: .weight, sparsity: 50, repeatIndex: 0, accuracy: 0.9),
            sampleRow(method: .unit, sparsity: 50, repeatIndex: 1, accuracy: 0.6),
            sampleRow(method: .weight, sparsity: 90, repeatIndex: 0, accuracy: 0.7),
        ]
        let summary = SummaryRow.summarize(rows)
        XCTAssertEqual(summary.map(\.method), [.unit, .weight, .weight])
        XCTAssertEqual(summary.map(\.targetSparsity), [50, 50, 90])
        XCTAssertEqual(summary.map(\.repeats), [2, 1, 1])
        XCTAssertEqual(summary[0].accuracy.mean, 0.7, accuracy: 1e-12)
        XCTAssertEqual(summary[0].accuracy.std, (0.02).squareRoot(), accuracy: 1e-12)
        XCTAssertNil(summary[0].accuracyBeforeFinetune)
        XCTAssertEqual(summary[0].kernels, "shrunk")
    }

    func testSummaryKeepsFinetuneColumnsAndSpeedup() {
        let rows = [sampleRow(accuracy: 0.9, finetuned: true, dense: 0.4, pruned: 0.1),
                    sampleRow(repeatIndex: 1, accuracy: 0.8, finetuned: true, dense: 0.6, pruned: 0.3)]
        let summary = SummaryRow.summarize(rows)
        XCTAssertEqual(summary.count, 1)
        XCTAssertEqual(summary[0].accuracyBeforeFinetune?.mean ?? 0, 0.75, accuracy: 1e-12)
        XCTAssertEqual(summary[0].speedup, 0.5 / 0.2, accuracy: 1e-12)
    }

    func testSummaryCSVHasOneLinePerMethodAndSparsity() throws {
        let rows = [sampleRow(accuracy: 0.5), sampleRow(repeatIndex: 1, accuracy: 0.7), sampleRow(method: .unit)]
        let records = try CSV.decode(SummaryCSV.encode(SummaryRow.summarize(rows)))
        XCTAssertEqual(records.first, SummaryCSV.header)
        XCTAssertEqual(records.count, 3)
        let column = { (name: String) in SummaryCSV.header.firstIndex(of: name)! }
        XCTAssertEqual(records[1][column("method")], "weight")
        XCTAssertEqual(records[1][column("repeats")], "2")
        XCTAssertEqual(Double(records[1][column("accuracy_mean")])!, 0.6, accuracy: 1e-12)
        XCTAssertEqual(Double(records[1][column("accuracy_std")])!, (0.02).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(records[1][column("accuracy_before_finetune_mean")], "")
        XCTAssertEqual(records[2][column("kernels")], "shrunk")
        XCTAssertTrue(records.allSatisfy { $0.count == SummaryCSV.header.count })
    }
}
