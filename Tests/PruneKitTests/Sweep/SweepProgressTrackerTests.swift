import XCTest
@testable import PruneKit

final class SweepProgressTrackerTests: XCTestCase {
    /// A clock the test moves by hand.
    private final class ManualClock: @unchecked Sendable {
        var now = 100.0
    }

    private func tracker(_ clock: ManualClock, into reports: @escaping (SweepProgress) -> Void) -> SweepProgressTracker {
        // 2 epochs of 100 samples (600 units) + 2 points on 10 test samples (70 units each): 740 units.
        let spec = tinySweep(repeats: 1, epochs: 2, methods: [.weight], sparsities: [0, 50])
        return SweepProgressTracker(spec: spec, trainCount: 100, testCount: 10, clock: { clock.now }, callback: reports)
    }

    func testWorkIsCountedInSamplePasses() {
        let t = tracker(ManualClock()) { _ in }
        XCTAssertEqual(t.trainingEpochUnits, 300)
        XCTAssertEqual(t.pointUnits, 70)
        XCTAssertEqual(t.total, 740)
        XCTAssertEqual(t.levels, 2)
    }

    func testFractionIncludesTheCurrentStep() {
        var last: SweepProgress?
        var t = tracker(ManualClock()) { last = $0 }
        t.advance(300)
        t.report(.training, partial: 70) { $0.epoch = 2 }
        XCTAssertEqual(last?.fraction ?? 0, 370.0 / 740, accuracy: 1e-12)
        XCTAssertEqual(last?.epoch, 2)
        XCTAssertEqual(last?.levels, 2)
    }

    func testETAExtrapolatesTheRateOfThisRunOnly() {
        let clock = ManualClock()
        var last: SweepProgress?
        var t = tracker(clock) { last = $0 }
        t.report(.loading)
        XCTAssertNil(last?.etaSeconds, "no basis yet")
        // A checkpoint was loaded: 600 units done without taking any time.
        t.skip(600)
        clock.now += 7
        t.advance(70)
        t.report(.evaluating)
        // 70 units took 7 s; 70 remain.
        XCTAssertEqual(last?.etaSeconds ?? -1, 7, accuracy: 1e-9)
        XCTAssertEqual(last?.fraction ?? 0, 670.0 / 740, accuracy: 1e-12)
    }

    func testETAIsKnownDuringTheFirstTraining() {
        let clock = ManualClock()
        var last: SweepProgress?
        let t = tracker(clock) { last = $0 }
        clock.now += 10
        t.report(.training, partial: 148)
        XCTAssertEqual(last?.etaSeconds ?? -1, (740.0 - 148) * 10 / 148, accuracy: 1e-9)
    }

    func testFractionNeverExceedsOne() {
        var last: SweepProgress?
        var t = tracker(ManualClock()) { last = $0 }
        t.skip(740)
        t.report(.reporting, partial: 50)
        XCTAssertEqual(last?.fraction, 1)
    }
}
