import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a sweep process asks glibc's malloc to treat large blocks, so that its resident memory
/// is what it holds and the cost estimate can predict it.
///
/// By default glibc raises its mmap threshold to the size of each large block freed (up to
/// 32 MiB) and keeps up to twice that at the top of the heap: a sweep that frees and allocates
/// its 19 MB training buffers once per fine-tuning then kept ~70 MB of freed memory resident
/// (measured: 265 MB peak RSS instead of 195 MB). Fixed thresholds stop that: a block of 4 MiB
/// or more is mapped on its own and returned on free. The blocks that large are allocated once
/// per training, evaluation or timing run, so the extra mmap calls cost nothing measurable.
package enum MallocPolicy {
    package static let largeBlockBytes: Int32 = 4 << 20

    /// Applies the policy to this process (call once, early, in the process running sweeps).
    /// Returns false where the C library has no `mallopt` (not glibc).
    @discardableResult
    package static func applyToThisProcess() -> Bool {
        typealias MalloptFunction = @convention(c) (Int32, Int32) -> Int32
        guard let process = dlopen(nil, RTLD_LAZY), let symbol = dlsym(process, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: MalloptFunction.self)
        // glibc's <malloc.h>: M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3 (setting either fixes both).
        return mallopt(-3, largeBlockBytes) == 1 && mallopt(-1, largeBlockBytes) == 1
    }
}
