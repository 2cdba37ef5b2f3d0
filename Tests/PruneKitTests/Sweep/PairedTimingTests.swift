import XCTest
@testable import PruneKit

/// The pairing logic, driven by scripted durations (no clock): tests check correctness, never timings.
final class PairedTimingTests: XCTestCase {
    /// Scripted runs: each side's durations in the order they are asked for.
    final class Script {
        var dense: [Double], pruned: [Double]
        var order: [PairedTiming.Side] = []
        init(dense: [Double], pruned: [Double]) { self.dense = dense; self.pruned = pruned }
        func run(_ side: PairedTiming.Side) -> Double {
            order.append(side)
            switch side {
            case .dense: return dense.isEmpty ? 1 : dense.removeFirst()
            case .pruned: return pruned.isEmpty ? 1 : pruned.removeFirst()
            }
        }
    }

    func testRoundsAlternateWhichSideGoesFirstAfterOneWarmUpEach() {
        let script = Script(dense: Array(repeating: 2, count: 30), pruned: Array(repeating: 1, count: 30))
        let result = PairedTiming().measure(script.run)
        XCTAssertEqual(Array(script.order.prefix(8)), [.dense, .pruned, .dense, .pruned, .pruned, .dense, .dense, .pruned])
        XCTAssertEqual(result.rounds, 5, "identical ratios settle at the minimum")
        XCTAssertEqual(result.speedup, 2)
        XCTAssertEqual(result.spread, 0)
    }

    /// A drift that slows the machine over time cancels out in the pairs, where timing dense
    /// once and pruned later would not.
    func testADriftHitsBothSidesOfAPairAlike() {
        let slowing = (0..<40).map { 1 + Double($0) * 0.05 }
        let script = Script(dense: slowing, pruned: slowing)
        let result = PairedTiming().measure(script.run)
        XCTAssertEqual(result.speedup, 1, accuracy: 0.001)
    }

    func testNoisyRatiosTakeMoreRoundsUpToTheLimit() {
        var timing = PairedTiming()
        timing.maxRounds = 9
        let noisy = (0..<40).map { $0 % 2 == 0 ? 3.0 : 1.0 }
        let result = timing.measure(Script(dense: noisy, pruned: Array(repeating: 1, count: 40)).run)
        XCTAssertEqual(result.rounds, 9)
        XCTAssertGreaterThan(result.spread, timing.tolerance)
    }

    func testQuantilesInterpolate() {
        XCTAssertEqual(PairedTiming.quantile([4, 1, 3, 2], 0.5), 2.5)
        XCTAssertEqual(PairedTiming.quantile([1, 2, 3, 4, 5], 0.25), 2)
        XCTAssertEqual(PairedTiming.median([7]), 7)
    }
}
