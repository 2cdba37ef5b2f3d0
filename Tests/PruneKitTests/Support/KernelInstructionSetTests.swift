import CKernels
import XCTest
import TestHelpers
@testable import PruneKit

/// The choice of C kernel builds follows the CPU: what /proc/cpuinfo says this CPU has.
final class KernelInstructionSetTests: XCTestCase {
    func testTheBestInstructionSetIsSupportedAndMatchesTheCPUsFlags() throws {
        let best = KernelInstructionSet.best
        XCTAssertTrue(best.isSupported)
        XCTAssertTrue(KernelInstructionSet.baseline.isSupported)
        XCTAssertEqual(KernelInstructionSet.supported.last, best, "best is the widest supported")
        let flags = BLASKernelSelection.cpuFlags()
        try TestRequirement.require(!flags.isEmpty, "the CPU flags of /proc/cpuinfo (Linux on x86-64)")
        // x86-64-v3 and -v4 as the compiler defines them, in /proc/cpuinfo's names.
        let v3: Set<String> = ["pni", "ssse3", "sse4_1", "sse4_2", "popcnt", "cx16", "lahf_lm", "avx", "avx2", "fma", "bmi1", "bmi2",
                               "f16c", "movbe", "abm", "xsave"]
        let v4 = v3.union(["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"])
        XCTAssertEqual(KernelInstructionSet.avx2.isSupported, v3.isSubset(of: flags), "AVX2 build vs flags \(v3.subtracting(flags))")
        XCTAssertEqual(KernelInstructionSet.avx512.isSupported, v4.isSubset(of: flags), "AVX-512 build vs flags \(v4.subtracting(flags))")
    }

    func testAnUnknownInstructionSetRunsTheBestBuildInstead() {
        // The C entry points never run a build the CPU lacks: an id they do not know (or a build
        // this CPU cannot run) falls back to the best supported, with the same results.
        XCTAssertEqual(prunelab_isa_supported(7), 0)
        XCTAssertEqual(prunelab_isa_supported(-1), 0)
        func adam(_ isa: Int32) -> [Float] {
            var (w, m, v) = ([Float](repeating: 0.5, count: 37), [Float](repeating: 0, count: 37), [Float](repeating: 0, count: 37))
            var g = (0..<37).map { Float($0) / 37 - 0.5 }
            prunelab_adam_update(isa, &w, &m, &v, &g, nil, 37, 0.9, 0.999, 1e-7, 1e-3)
            return w
        }
        XCTAssertEqual(adam(7), adam(KernelInstructionSet.best.rawValue))
        XCTAssertNotEqual(adam(7), [Float](repeating: 0.5, count: 37), "the update ran")
    }
}
