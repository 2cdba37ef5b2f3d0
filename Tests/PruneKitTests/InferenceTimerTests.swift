import Foundation
import XCTest
@testable import PruneKit

/// What the timer reports and which kernel it picks; the times themselves are never asserted.
final class InferenceTimerTests: XCTestCase {
    private let data: LabeledImages = {
        var random = SeededGenerator(seed: 4)
        let pixels = (0..<64 * 20).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        return LabeledImages(features: 20, pixels: pixels, labels: (0..<64).map { UInt8($0 % 3) })
    }()

    func testWeightMethodsReportTheFasterOfCSRAndDense() throws {
        let model = PruningFixtures.randomMLP([20, 30, 3])
        for sparsity in [0.0, 95] {
            let pruned = Pruner.prune(model, method: .weight, sparsity: sparsity, pruneLastLayer: false, seed: 0)
            let timing = InferenceTimer.measure(pruned, on: data, repetitions: 3)
            let csr = try XCTUnwrap(timing.csrSeconds)
            XCTAssertGreaterThan(timing.denseSeconds, 0)
            XCTAssertGreaterThan(csr, 0)
            if timing.kernel == "csr" {
                XCTAssertLessThan(csr, timing.denseSeconds)
                XCTAssertEqual(timing.prunedSeconds, csr)
            } else {
                XCTAssertEqual(timing.kernel, "dense")
                XCTAssertGreaterThanOrEqual(csr, timing.denseSeconds)
                XCTAssertEqual(timing.prunedSeconds, timing.denseSeconds)
            }
        }
    }

    func testUnitMethodsTimeTheShrunkNetwork() {
        let pruned = Pruner.prune(PruningFixtures.randomMLP([20, 30, 3]), method: .unit, sparsity: 50,
                                  pruneLastLayer: false, seed: 0)
        let timing = InferenceTimer.measure(pruned, on: data, repetitions: 1)
        XCTAssertEqual(timing.kernel, "shrunk")
        XCTAssertNil(timing.csrSeconds)
        XCTAssertGreaterThan(timing.prunedSeconds, 0)
    }

    func testAKnownDenseTimeIsReusedNotRemeasured() {
        let pruned = Pruner.prune(PruningFixtures.randomMLP([20, 30, 3]), method: .unit, sparsity: 50,
                                  pruneLastLayer: false, seed: 0)
        let timing = InferenceTimer.measure(pruned, input: InferenceTimer.floatInput(data), repetitions: 1, denseSeconds: 123)
        XCTAssertEqual(timing.denseSeconds, 123)
    }

    func testFloatInputScalesEveryImage() {
        let input = InferenceTimer.floatInput(data)
        XCTAssertEqual([input.rows, input.cols], [64, 20])
        for (value, pixel) in zip(input.data, data.pixels) { XCTAssertEqual(value, Float(pixel) / 255, accuracy: 1e-6) }
    }

    func testMedianTakesTheMiddleOrTheMeanOfTheMiddleTwo() {
        XCTAssertEqual(InferenceTimer.median([3, 1, 2]), 2)
        XCTAssertEqual(InferenceTimer.median([4, 1, 3, 2]), 2.5)
        XCTAssertEqual(InferenceTimer.median([7]), 7)
        var calls = 0
        _ = InferenceTimer.medianSeconds(4) { calls += 1 }
        XCTAssertEqual(calls, 4, "one run per repetition")
    }

    func testAFirstRunAboveTheLimitSettlesTheMeasurement() {
        var calls = 0
        let slow = InferenceTimer.medianSeconds(5, settledAbove: 0.001) { calls += 1; usleep(5_000) }
        XCTAssertEqual(calls, 1, "a first run over the limit is not repeated")
        XCTAssertGreaterThan(slow, 0.001)
        calls = 0
        _ = InferenceTimer.medianSeconds(5, settledAbove: 10) { calls += 1 }
        XCTAssertEqual(calls, 5, "runs under the limit are all made")
    }
}
