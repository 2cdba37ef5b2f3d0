import XCTest
@testable import PruneKit

final class ReportTests: XCTestCase {
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

    // MARK: Atomic files

    func testAtomicWriteReplacesTheFileAndLeavesNoTemporaries() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("results.csv")
        try AtomicFile.write("first", to: url)
        try AtomicFile.write("second", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["results.csv"])
    }

    func testAFolderIsFlushedAndAMissingOneNamed() throws {
        let folder = try makeTemporaryFolder(self)
        XCTAssertNoThrow(try AtomicFile.syncDirectory(folder))
        XCTAssertThrowsError(try AtomicFile.syncDirectory(folder.appendingPathComponent("gone"))) { error in
            XCTAssertTrue(error.localizedDescription.contains("/gone"), "\(error)")
        }
    }

    func testAtomicWriteIntoAMissingFolderFailsAndNamesIt() throws {
        let folder = try makeTemporaryFolder(self).appendingPathComponent("missing")
        XCTAssertThrowsError(try AtomicFile.write("x", to: folder.appendingPathComponent("a.csv"))) { error in
            XCTAssertTrue("\(error.localizedDescription)".contains("/missing/"), "\(error)")
        }
    }

    // MARK: Progress text and results table

    func testProgressLineDuringTraining() {
        var p = SweepProgress(phase: .training, fraction: 0.234)
        p.repeatIndex = 0
        p.epoch = 2; p.epochs = 5; p.step = 310; p.stepsPerEpoch = 938
        p.samplesPerSecond = 4120.4
        p.etaSeconds = 83
        XCTAssertEqual(ProgressText.line(p), "training repeat 0 epoch 2/5 step 310/938, 4120 samples/s | 23% | ETA 1m 23s")
    }

    func testProgressLineAtAPoint() {
        var p = SweepProgress(phase: .evaluating, fraction: 0.5)
        p.level = 3; p.levels = 20; p.method = .globalWeight; p.sparsity = 97.5; p.repeatIndex = 1
        XCTAssertEqual(ProgressText.line(p), "evaluating point 3/20 (global-weight 97.5%, repeat 1) | 50%")
    }

    func testProgressBarFillsWithTheFraction() {
        let p = SweepProgress(phase: .loading, fraction: 0.5)
        XCTAssertEqual(ProgressText.bar(p, width: 10), "[#####-----] 50%  loading")
        var q = SweepProgress(phase: .training, fraction: 0.25)
        q.etaSeconds = 12
        XCTAssertEqual(ProgressText.bar(q, width: 4), "[#---] 25% ETA 12s  training")
        XCTAssertTrue(ProgressText.bar(SweepProgress(phase: .reporting, fraction: 1), width: 4).hasPrefix("[####]"))
    }

    func testDurations() {
        XCTAssertEqual(ProgressText.duration(0.4), "0s")
        XCTAssertEqual(ProgressText.duration(59.4), "59s")
        XCTAssertEqual(ProgressText.duration(187), "3m 07s")
        XCTAssertEqual(ProgressText.duration(3720), "1h 02m")
    }

    func testResultsTableAlignsColumns() {
        let rows = [sampleRow(method: .weight, sparsity: 80, accuracy: 0.8612), sampleRow(method: .unit, sparsity: 5, accuracy: 0.5)]
        let lines = ResultsTable.text(SummaryRow.summarize(rows), baseline: Evaluation(accuracy: 0.87, loss: 0.4)).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[1].hasPrefix("unpruned"))
        XCTAssertTrue(lines[2].contains("86.12%"), String(lines[2]))
        XCTAssertTrue(lines[3].hasSuffix("shrunk"))
        // Right-aligned numbers: the loss column (0.3500 on both rows) ends at the same offset.
        let lossEnds = lines[2...3].map { line in line.distance(from: line.startIndex, to: line.range(of: "0.3500")!.upperBound) }
        XCTAssertEqual(lossEnds[0], lossEnds[1])
    }
}
