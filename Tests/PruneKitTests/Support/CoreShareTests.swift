import CBLAS
import Synchronization
import XCTest
@testable import PruneKit

/// How many cores the engine splits its work over, and the one-time OpenBLAS setup.
final class CoreShareTests: XCTestCase {
    func testPrunelabCoresCapsTheSplit() {
        XCTAssertEqual(Parallel.coreCount(environment: [:], available: 8), 8)
        XCTAssertEqual(Parallel.coreCount(environment: ["PRUNELAB_CORES": "2"], available: 8), 2)
        XCTAssertEqual(Parallel.coreCount(environment: ["PRUNELAB_CORES": "16"], available: 8), 8, "never more than there are")
        XCTAssertEqual(Parallel.coreCount(environment: ["PRUNELAB_CORES": "0"], available: 8), 8)
        XCTAssertEqual(Parallel.coreCount(environment: ["PRUNELAB_CORES": "two"], available: 8), 8)
        XCTAssertEqual(Parallel.coreCount(environment: [:], available: 0), 1)
    }

    func testChunksAreAlignedAndAsEvenAsAlignmentAllows() {
        // The shapes of the reference net and LeNet-300-100 on two cores.
        XCTAssertEqual(Parallel.chunkBounds(0, of: 2, count: 100, alignment: 16), 0..<48)
        XCTAssertEqual(Parallel.chunkBounds(1, of: 2, count: 100, alignment: 16), 48..<100)
        XCTAssertEqual(Parallel.chunkBounds(0, of: 2, count: 300, alignment: 16), 0..<144)
        XCTAssertEqual(Parallel.chunkBounds(0, of: 2, count: 1000, alignment: 16), 0..<496)
        XCTAssertEqual(Parallel.blocks(of: 10, work: 64 * 100 * 10), [0..<10], "too little work to split")
        XCTAssertEqual(Parallel.blocks(of: 100, work: 64 * 300 * 100).count, min(Parallel.coreCount, 100 / 16))
        if Parallel.coreCount == 2 {   // the project's machines
            XCTAssertEqual(Parallel.blocks(of: 100, work: 64 * 300 * 100), [0..<48, 48..<100])
        }
        for count in [1, 17, 100, 200, 300, 500, 784, 1000, 4097] {
            for chunks in 2...5 {
                for alignment in [1, 2, 16, 64] {
                    let ranges = (0..<chunks).map { Parallel.chunkBounds($0, of: chunks, count: count, alignment: alignment) }
                    XCTAssertEqual(ranges.first?.lowerBound, 0)
                    XCTAssertEqual(ranges.last?.upperBound, count)
                    for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                    for range in ranges.dropLast() where !range.isEmpty { XCTAssertEqual(range.upperBound % alignment, 0) }
                    // Each bound is the aligned value nearest its even share, so each chunk is within one alignment of it.
                    let share = Double(count) / Double(chunks)
                    for range in ranges {
                        XCTAssertLessThanOrEqual(abs(Double(range.count) - share), Double(alignment), "\(count) in \(chunks) of \(alignment)")
                    }
                }
            }
        }
    }

    func testWorkAlongsideTheBlocksRunsOnceWhetherOrNotTheRegionIsSplit() {
        for (count, work) in [(784, 64 * 784 * 300), (10, 64 * 100 * 10), (0, 0)] {
            let covered = Mutex([Int](repeating: 0, count: count))
            let alongside = Mutex(0)
            Parallel.forEachBlock(of: count, work: work, alongside: { alongside.withLock { $0 += 1 } }) { block in
                covered.withLock { for i in block { $0[i] += 1 } }
            }
            XCTAssertEqual(alongside.withLock { $0 }, 1, "\(count) units")
            XCTAssertEqual(covered.withLock { $0 }, [Int](repeating: 1, count: count), "each unit in exactly one block")
        }
    }

    func testPreparingOpenBLASIsDoneOnceAndLeavesItSingleThreaded() {
        let name = GEMM.prepare()
        XCTAssertEqual(GEMM.prepare(), name)
        XCTAssertEqual(GEMM.kernelName, name)
        XCTAssertEqual(openblas_get_num_threads(), 1)
    }
}
