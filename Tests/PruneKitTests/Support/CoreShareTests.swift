import CBLAS
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

    func testPreparingOpenBLASIsDoneOnceAndLeavesItSingleThreaded() {
        let name = GEMM.prepare()
        XCTAssertEqual(GEMM.prepare(), name)
        XCTAssertEqual(GEMM.kernelName, name)
        XCTAssertEqual(openblas_get_num_threads(), 1)
    }
}
