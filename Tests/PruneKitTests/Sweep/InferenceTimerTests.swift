import XCTest
@testable import PruneKit

/// The timer's kernel choice and scaling, driven by scripted durations (no clock), so every
/// branch is covered deterministically; tests check correctness, never timings.
final class InferenceTimerTests: XCTestCase {
    /// Seconds one run of each pass takes, and the passes asked for in order.
    final class Clock {
        let seconds: (InferenceTimer.Pass, Int) -> Double
        var calls: [InferenceTimer.Pass] = []
        init(_ seconds: [InferenceTimer.Pass: Double]) { self.seconds = { pass, _ in seconds[pass] ?? 0 } }
        /// `seconds(pass, n)`: the n-th (0-based) run of that pass.
        init(_ seconds: @escaping (InferenceTimer.Pass, Int) -> Double) { self.seconds = seconds }
        func run(_ pass: InferenceTimer.Pass) -> Double {
            let n = count(pass)
            calls.append(pass)
            return seconds(pass, n)
        }
        func count(_ pass: InferenceTimer.Pass) -> Int { calls.filter { $0 == pass }.count }
    }

    private let data: LabeledImages = {
        var random = SeededGenerator(seed: 4)
        let pixels = (0..<64 * 20).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        return LabeledImages(features: 20, pixels: pixels, labels: (0..<64).map { UInt8($0 % 3) })
    }()

    func testAFasterCSRIsPairedAndPicked() {
        let clock = Clock([.original: 0.4, .sparse: 0.1])
        let timing = InferenceTimer.measure(.sparseOrDense, scale: 5, pairing: PairedTiming(), run: clock.run)
        XCTAssertEqual(timing.kernel, .csr)
        XCTAssertEqual(timing.denseSeconds, 2, accuracy: 1e-12, "0.4 s on the subset, scaled 5x")
        XCTAssertEqual(timing.prunedSeconds, 0.5, accuracy: 1e-12)
        XCTAssertEqual(timing.csrSeconds ?? 0, 0.5, accuracy: 1e-12)
        XCTAssertEqual(timing.speedup, 4, accuracy: 1e-12)
        XCTAssertEqual(clock.count(.smaller), 0)
        XCTAssertGreaterThanOrEqual(clock.count(.sparse), PairedTiming().minRounds, "a CSR pick is paired")
    }

    func testASlowerCSRPicksDenseWithASpeedupOfOne() {
        let clock = Clock([.original: 0.2, .sparse: 0.9])
        let pairing = PairedTiming()
        let timing = InferenceTimer.measure(.sparseOrDense, scale: 5, pairing: pairing, run: clock.run)
        XCTAssertEqual(timing.kernel, .dense)
        XCTAssertEqual(timing.denseSeconds, 1, accuracy: 1e-12)
        XCTAssertEqual(timing.prunedSeconds, timing.denseSeconds, "dense picked: the same time by construction")
        XCTAssertEqual(timing.speedup, 1)
        XCTAssertEqual(timing.csrSeconds ?? 0, 4.5, accuracy: 1e-12)
        XCTAssertEqual(clock.count(.sparse), 1, "a first CSR run twice as slow settles the choice")
        XCTAssertEqual(clock.count(.original), 1 + pairing.minRounds, "a warm-up, then the dense median's runs")
    }

    func testACloseCallTakesTheQuickRoundsThenDecides() {
        let slower = Clock([.original: 1.0, .sparse: 1.1])
        let timing = InferenceTimer.measure(.sparseOrDense, scale: 1, pairing: PairedTiming(), run: slower.run)
        XCTAssertEqual(timing.kernel, .dense)
        XCTAssertEqual(slower.count(.sparse), InferenceTimer.quickRounds)
        XCTAssertEqual(Array(slower.calls.prefix(7)), [.original, .original, .sparse, .sparse, .original, .original, .sparse],
                       "a warm-up, then rounds in alternating order")
        let faster = Clock([.original: 1.0, .sparse: 0.9])
        XCTAssertEqual(InferenceTimer.measure(.sparseOrDense, scale: 1, pairing: PairedTiming(), run: faster.run).kernel, .csr)
    }

    func testACSRThePairsFindSlowerFallsBackToDense() {
        // Faster in the quick rounds (the first three CSR runs), slower in every pair after.
        let clock = Clock { pass, n in pass == .sparse ? (n < InferenceTimer.quickRounds ? 0.9 : 1.2) : 1.0 }
        let timing = InferenceTimer.measure(.sparseOrDense, scale: 2, pairing: PairedTiming(), run: clock.run)
        XCTAssertEqual(timing.kernel, .dense)
        XCTAssertEqual(timing.prunedSeconds, timing.denseSeconds)
        XCTAssertEqual(timing.denseSeconds, 2, accuracy: 1e-12)
        XCTAssertEqual(timing.csrSeconds ?? 0, 2.4, accuracy: 1e-12, "the paired CSR median, scaled")
    }

    func testASmallerNetworkIsPairedUnderItsKernel() {
        for kernel in [InferenceKernel.shrunk, .dense] {
            let clock = Clock([.original: 0.3, .smaller: 0.1])
            let timing = InferenceTimer.measure(.smaller(kernel), scale: 2, pairing: PairedTiming(), run: clock.run)
            XCTAssertEqual(timing.kernel, kernel)
            XCTAssertNil(timing.csrSeconds)
            XCTAssertEqual(timing.denseSeconds, 0.6, accuracy: 1e-12)
            XCTAssertEqual(timing.prunedSeconds, 0.2, accuracy: 1e-12)
            XCTAssertEqual(clock.count(.sparse), 0)
        }
    }

    func testKernelRawValuesAreTheResultsColumn() {
        XCTAssertEqual(InferenceKernel.allCases.map(\.rawValue), ["csr", "dense", "shrunk"])
    }

    /// The real runs: which representation each method goes through (the timings are not checked).
    func testRealNetworksGoThroughTheirRepresentations() throws {
        let model = PruningFixtures.randomMLP([20, 30, 3])
        let unit = Pruner.prune(model, method: .unit, sparsity: 50, pruneLastLayer: false, seed: 0)
        XCTAssertEqual(InferenceTimer.measure(unit, on: data).kernel, .shrunk)
        let weight = Pruner.prune(model, method: .weight, sparsity: 95, pruneLastLayer: false, seed: 0)
        let timing = InferenceTimer.measure(weight, on: data)
        XCTAssertTrue([InferenceKernel.csr, .dense].contains(timing.kernel))
        XCTAssertNotNil(timing.csrSeconds)
    }

    func testTheTimingInputIsTheFirstSamplesOfTheSet() {
        let count = InferenceTimer.timingSamples + 3
        let pixels = (0..<count * 2).map { UInt8(truncatingIfNeeded: $0) }
        let large = LabeledImages(features: 2, pixels: pixels, labels: [UInt8](repeating: 0, count: count))
        let input = InferenceTimer.timingInput(large)
        XCTAssertEqual([input.rows, input.cols], [InferenceTimer.timingSamples, 2])
        let expected = pixels.prefix(InferenceTimer.timingSamples * 2).map { Float($0) / 255 }
        XCTAssertEqual(input.data.count, expected.count)
        XCTAssertLessThan(zip(input.data, expected).map { abs($0 - $1) }.max() ?? 1, 1e-6, "the first samples, in order")
        XCTAssertEqual(InferenceTimer.timingInput(data).rows, 64, "a smaller set is used whole")
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
}
