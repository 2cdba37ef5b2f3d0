import Dispatch
import Foundation
import XCTest
@testable import PruneKit

/// The helper threads behind `Parallel`: every piece of every region runs exactly once, on
/// whichever thread claims it, including when regions race, nest, or find the helpers asleep.
final class CoreTeamTests: XCTestCase {
    /// More helpers than cores, so claims race and threads get descheduled mid-region.
    private static let team = CoreTeam(helpers: 3)

    func testEveryPieceOfEveryRegionRunsOnce() {
        var generator = SeededGenerator(seed: 7)
        for region in 0..<3_000 {
            let pieces = Int.random(in: 1...9, using: &generator)
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: pieces)
            counts.initialize(repeating: 0)
            defer { counts.deallocate() }
            XCTAssertTrue(Self.team.run(pieces: pieces) { counts[$0] += 1 }, "region \(region): the team was free")
            XCTAssertEqual(Array(counts), Array(repeating: 1, count: pieces), "region \(region) of \(pieces) pieces")
        }
    }

    func testARegionAfterTheHelpersFellAsleepStillRunsOnAllOfThem() {
        XCTAssertTrue(Self.team.run(pieces: 4) { _ in })
        Thread.sleep(forTimeInterval: 0.02)  // far beyond the helpers' polling, so they sleep
        let threads = Guarded<Set<UInt>>([])
        XCTAssertTrue(Self.team.run(pieces: 4) { _ in
            threads.withLock { _ = $0.insert(UInt(pthread_self())) }
            Thread.sleep(forTimeInterval: 0.01)  // long enough for the woken helpers to claim the rest
        })
        XCTAssertGreaterThan(threads.value.count, 1, "woken helpers claimed pieces")
    }

    func testABusyTeamRefusesAndParallelRunsTheRegionAnyway() {
        let inner = Guarded<Bool?>(nil)
        XCTAssertTrue(Self.team.run(pieces: 2) { piece in
            if piece == 0 { inner.withLock { $0 = Self.team.run(pieces: 2) { _ in } } }
        })
        XCTAssertEqual(inner.value, false, "a region inside a region does not get the team")

        // Regions from several threads at once, nested ones inside: each piece still runs once.
        let failures = Guarded<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { caller in
            for region in 0..<200 {
                let pieces = 1 + (caller + region) % 5
                let counts = Guarded([Int](repeating: 0, count: pieces * 3))
                Parallel.onEveryCore(pieces: pieces) { piece in
                    counts.withLock { $0[piece] += 1 }
                    Parallel.onEveryCore(pieces: 2) { nested in counts.withLock { $0[pieces + 2 * piece + nested] += 1 } }
                }
                if counts.value != [Int](repeating: 1, count: pieces * 3) {
                    failures.withLock { $0.append("caller \(caller) region \(region): \(counts.value)") }
                }
            }
        }
        XCTAssertEqual(failures.value, [])
    }

    func testPiecesRunWithDenormalsFlushed() {
        let tiny: [Float] = [1e-30, 1e-10]
        let results = Guarded([Float](repeating: -1, count: 8))
        XCTAssertTrue(Self.team.run(pieces: 8) { piece in
            let product = tiny[0] * tiny[1]  // 1e-40: a denormal unless flushed
            results.withLock { $0[piece] = product }
        })
        XCTAssertEqual(results.value, [Float](repeating: 0, count: 8))
    }
}

/// A value behind a lock, for pieces that record what they saw.
private final class Guarded<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&stored) } }
}
