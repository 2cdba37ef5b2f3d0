import CBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Makes OpenBLAS use the right kernels on CPUs it does not recognise.
///
/// OpenBLAS before 0.3.25 (Debian 12 ships 0.3.21) maps Intel models it does not know, such as
/// recent Xeons, to its "Prescott" SSE3 kernels instead of choosing by CPU features
/// (OpenMathLib/OpenBLAS#4267, fixed by #4268). Measured here on a Xeon of family 6, model 207:
/// SGEMM 1024^3 on one thread ran at 14 GFLOP/s with Prescott, 170 with SkylakeX kernels.
/// The documented remedy is `OPENBLAS_CORETYPE`, read when the library initialises; a
/// DYNAMIC_ARCH build also exports its initialiser, so we set the variable and run it again
/// before the first product. A user's own `OPENBLAS_CORETYPE` is always left alone.
enum BLASKernelSelection {
    /// The OpenBLAS kernel family in use, e.g. "SkylakeX", "Haswell", "Zen".
    static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// Chooses kernels by CPU features when OpenBLAS fell back to Prescott; returns the
    /// kernel family in use afterwards.
    @discardableResult
    static func selectBestKernels() -> String {
        guard coreName == "Prescott", ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let target = bestCoreType(cpuFlags: cpuFlags()),
              let quit = symbol("gotoblas_dynamic_quit"), let initialise = symbol("gotoblas_dynamic_init") else {
            return coreName
        }
        setenv("OPENBLAS_CORETYPE", target, 1)
        quit()
        initialise()
        return coreName
    }

    /// The best OpenBLAS 0.3.21 kernel family the CPU's features allow, or nil if none beats Prescott.
    static func bestCoreType(cpuFlags: Set<String>) -> String? {
        if cpuFlags.isSuperset(of: ["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "fma", "avx2"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        if cpuFlags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// The CPU feature flags the kernel reports (Linux); empty elsewhere.
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    private static func symbol(_ name: String) -> (@convention(c) () -> Void)? {
        // The process's global scope, where the linked OpenBLAS's exported symbols live.
        guard let process = dlopen(nil, RTLD_LAZY), let address = dlsym(process, name) else { return nil }
        return unsafeBitCast(address, to: (@convention(c) () -> Void).self)
    }
}
