import Dispatch
import Foundation

/// Splits element-wise work (optimizer updates, ReLU masks) across the machine's cores.
///
/// The split is by contiguous ranges and every element is computed by exactly one thread
/// with the same arithmetic, so results never depend on the number of threads.
enum Parallel {
    static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` on disjoint ranges covering `0..<count`, concurrently when each range gets at
    /// least `minimumChunk` elements. Range bounds are multiples of `alignment` (except the end),
    /// so SIMD loops see aligned starts.
    static func forEachChunk(of count: Int, minimumChunk: Int = 32_768, alignment: Int = 64,
                             _ body: (Range<Int>) -> Void) {
        let chunks = min(coreCount, count / max(1, minimumChunk))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let perChunk = ((count + chunks - 1) / chunks + alignment - 1) / alignment * alignment
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * perChunk
            let end = min(count, start + perChunk)
            if start < end { body(start..<end) }
        }
    }
}
