import XCTest
@testable import PruneKit

/// The progress line and bar of `prunelab run`, and its results table.
final class ProgressTextTests: XCTestCase {
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
