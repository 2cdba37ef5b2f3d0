import XCTest
@testable import PruneKit

/// The choice of C kernel builds follows the CPU: what /proc/cpuinfo says this CPU has.
final class KernelInstructionSetTests: XCTestCase {
    func testTheBestInstructionSetIsSupportedAndMatchesTheCPUsFlags() throws {
        let best = KernelInstructionSet.best
        XCTAssertTrue(best.isSupported)
        XCTAssertTrue(KernelInstructionSet.baseline.isSupported)
        XCTAssertEqual(KernelInstructionSet.supported.last, best, "best is the widest supported")
        let flags = BLASKernelSelection.cpuFlags()
        guard !flags.isEmpty else { throw XCTSkip("no CPU flags to compare with (not Linux on x86-64)") }
        // x86-64-v3 and -v4 as the compiler defines them, in /proc/cpuinfo's names.
        let v3: Set<String> = ["ssse3", "sse4_1", "sse4_2", "popcnt", "cx16", "avx", "avx2", "fma", "bmi1", "bmi2",
                               "f16c", "movbe", "abm", "xsave"]
        let v4 = v3.union(["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"])
        XCTAssertEqual(KernelInstructionSet.avx2.isSupported, v3.isSubset(of: flags), "AVX2 build vs flags \(v3.subtracting(flags))")
        XCTAssertEqual(KernelInstructionSet.avx512.isSupported, v4.isSubset(of: flags), "AVX-512 build vs flags \(v4.subtracting(flags))")
    }
}
