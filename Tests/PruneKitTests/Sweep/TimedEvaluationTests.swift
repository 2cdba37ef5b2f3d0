import XCTest
@testable import PruneKit

/// The evaluation timed in one pass: the same accuracy and loss to the bit as `evaluate`, and a
/// timing of the representation each method goes through (timings themselves are never checked).
final class TimedEvaluationTests: XCTestCase {
    private func data(count: Int, features: Int = 40, seed: UInt64 = 9) -> LabeledImages {
        var random = SeededGenerator(seed: seed)
        let pixels = (0..<count * features).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        return LabeledImages(features: features, pixels: pixels, labels: (0..<count).map { UInt8($0 % 4) })
    }

    func testEveryFullBatchIsATimedRunAndTheBitsAreEvaluates() {
        for bias in [false, true] {
            let model = PruningFixtures.randomMLP([40, 96, 64, 4], bias: bias)
            let test = data(count: 2345)
            var parts = 0
            let timed = InferenceTimer.evaluateInParts(model, on: test, rows: InferenceTimer.timingSamples) { part, logits in
                XCTAssertEqual(part.rows, InferenceTimer.timingSamples)
                parts += 1
                return logits()
            }
            XCTAssertEqual(parts, 4, "2,345 samples: four batches of 500 and a smaller one")
            XCTAssertEqual(timed.accuracy, model.evaluate(on: test).accuracy)
            XCTAssertEqual(timed.loss.bitPattern, model.evaluate(on: test).loss.bitPattern, "the loss to the bit")
        }
    }

    func testEveryMethodEvaluatesAsBeforeAndIsTimedInItsRepresentation() {
        let model = PruningFixtures.randomMLP([40, 96, 64, 4])
        let test = data(count: 2345)
        let input = InferenceTimer.timingInput(test)
        for (method, sparsity, kernels) in [(PruningMethod.weight, 95.0, [InferenceKernel.csr, .dense]),
                                            (.weight, 0, [.dense, .csr]), (.unit, 50, [.shrunk])] {
            let pruned = Pruner.prune(model, method: method, sparsity: sparsity, pruneLastLayer: false, seed: 0)
            let (evaluation, timing) = InferenceTimer.evaluateAndMeasure(pruned, on: test, timingInput: input)
            XCTAssertEqual(evaluation, pruned.model.evaluate(on: test), "\(method) \(sparsity)%: the same evaluation")
            XCTAssertTrue(kernels.contains(timing.kernel), "\(method) \(sparsity)%: \(timing.kernel)")
            XCTAssertGreaterThan(timing.denseSeconds, 0)
            XCTAssertGreaterThan(timing.prunedSeconds, 0)
            XCTAssertEqual(timing.csrSeconds == nil, method.removesUnits, "CSR is timed for weight methods only")
            if timing.kernel == .dense { XCTAssertEqual(timing.speedup, 1, "a dense pick is 1x by construction") }
        }
        let unit = Pruner.prune(model, method: .unit, sparsity: 50, pruneLastLayer: false, seed: 0)
        let (evaluation, control) = InferenceTimer.evaluateAndMeasure(unit.model, against: model, on: test, timingInput: input)
        XCTAssertEqual(evaluation, unit.model.evaluate(on: test))
        XCTAssertEqual(control.kernel, .dense)
    }

    /// A test set smaller than one part: the rounds continue on the timing input.
    func testASmallTestSetStillGetsItsRounds() {
        let model = PruningFixtures.randomMLP([40, 30, 4])
        let test = data(count: 50)
        let weight = Pruner.prune(model, method: .weight, sparsity: 95, pruneLastLayer: false, seed: 0)
        var pairing = PairedTiming()
        pairing.tolerance = -1   // never settles: every round runs
        pairing.maxRounds = 6
        let (evaluation, timing) = InferenceTimer.evaluateAndMeasure(weight, on: test, timingInput: InferenceTimer.timingInput(test),
                                                                     pairing: pairing)
        XCTAssertEqual(evaluation, weight.model.evaluate(on: test))
        XCTAssertGreaterThan(timing.denseSeconds, 0)
        XCTAssertGreaterThan(timing.prunedSeconds, 0)
    }

    func testRoundsStopWhenSettledOrAtTheirLimit() {
        var settled = PairedTiming.Rounds(PairedTiming())
        for _ in 0..<4 { settled.add(dense: 2, pruned: 1) }
        XCTAssertFalse(settled.isDone, "fewer than minRounds")
        settled.add(dense: 2, pruned: 1)
        XCTAssertTrue(settled.isDone, "five equal ratios have no spread")
        XCTAssertEqual(settled.result.speedup, 2)
        var noisy = PairedTiming.Rounds(PairedTiming())
        for round in 0..<21 {
            XCTAssertFalse(noisy.isDone)
            XCTAssertEqual(noisy.order, round % 2 == 0 ? [.dense, .pruned] : [.pruned, .dense])
            noisy.add(dense: round % 2 == 0 ? 1 : 3, pruned: 1)
        }
        XCTAssertTrue(noisy.isDone, "maxRounds")
        XCTAssertEqual(noisy.result.rounds, 21)
    }
}
