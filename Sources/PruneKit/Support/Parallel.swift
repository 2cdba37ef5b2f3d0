import Dispatch
import Foundation

/// Splits work across the machine's cores: PruneLab's one place of parallelism.
///
/// PruneLab owns the cores: OpenBLAS runs single-threaded inside each of these workers (see
/// `GEMM`), so products and element-wise loops never compete for a core, and a layer's
/// products, ReLU masks and optimizer update run in one pass per worker over its slice.
/// The split is by contiguous ranges and depends only on the core count, so results never
/// depend on scheduling. Every piece runs with denormals flushed to zero (`FlushToZero`).
package enum Parallel {
    static let coreCount = coreCount(environment: ProcessInfo.processInfo.environment,
                                     available: ProcessInfo.processInfo.activeProcessorCount)

    /// The environment variable that caps the cores a process splits its work over: a service
    /// running several sweeps at once gives each child process its share.
    package static let coresVariable = "PRUNELAB_CORES"

    /// `PRUNELAB_CORES` when it is a whole number from 1 to `available`, else every available core.
    static func coreCount(environment: [String: String], available: Int) -> Int {
        let all = max(1, available)
        guard let text = environment[coresVariable], let cores = Int(text), cores >= 1 else { return all }
        return min(cores, all)
    }

    /// Calls `body` on disjoint ranges covering `0..<count`, one per core and concurrently when
    /// each range gets at least `minimumChunk` elements. Range bounds are multiples of
    /// `alignment` (except the end), so SIMD loops and matrix blocks start aligned.
    ///
    /// `alongside`, when given, is independent work run once in the same region, by whichever
    /// core is free first (after the chunks when the region runs on one core): it fills the wait
    /// for the slower chunk instead of running alone before or after.
    static func forEachChunk(of count: Int, minimumChunk: Int = 32_768, alignment: Int = 64,
                             alongside: (() -> Void)? = nil, _ body: (Range<Int>) -> Void) {
        let chunks = chunkCount(of: count, minimumChunk: minimumChunk)
        if chunks <= 1 {
            FlushToZero.run {
                if count > 0 { body(0..<count) }
                alongside?()
            }
            return
        }
        // Pieces are claimed in order: with a chunk for every core, the extra piece goes to the
        // core that finishes its chunk first (with fewer chunks, to a free core at once).
        onEveryCore(pieces: alongside == nil ? chunks : chunks + 1) { chunk in
            guard chunk < chunks else { return alongside!() }
            let range = chunkBounds(chunk, of: chunks, count: count, alignment: alignment)
            if !range.isEmpty { body(range) }
        }
    }

    /// How many chunks `forEachChunk` makes: one per core, each of at least `minimumChunk` elements.
    static func chunkCount(of count: Int, minimumChunk: Int) -> Int {
        min(coreCount, count / max(1, minimumChunk))
    }

    /// Chunk `chunk` of `chunks` over `0..<count`: each bound is the multiple of `alignment`
    /// nearest to its even share, so each chunk is within one `alignment` of it. (Rounding every
    /// chunk up instead split a 100-unit layer 64 / 36, and the core with 36 waited.)
    static func chunkBounds(_ chunk: Int, of chunks: Int, count: Int, alignment: Int) -> Range<Int> {
        func bound(_ index: Int) -> Int {
            guard index < chunks else { return count }
            let share = Double(index * count) / Double(chunks * alignment)
            return min(count, Int(share.rounded()) * alignment)
        }
        return bound(chunk)..<max(bound(chunk), bound(chunk + 1))
    }

    /// Calls `body(0) ... body(pieces - 1)` concurrently, with denormals flushed, and returns
    /// when all have finished: on the process's `CoreTeam` when it is free (the usual case),
    /// else (a region started inside another, or on another thread) on dispatch's workers.
    static func onEveryCore(pieces: Int, _ body: (Int) -> Void) {
        if let team = CoreTeam.shared, pieces <= CoreTeam.maximumPieces, team.run(pieces: pieces, body) { return }
        // The pieces touch disjoint data and concurrentPerform returns only when all are done,
        // so sharing `body` (and what it captures) across the workers is safe.
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in FlushToZero.run { body(piece) } }
        }
    }

    /// Below this many multiply-adds a product runs on one core: waking a second costs more.
    static let minimumParallelWork = 1 << 18

    /// Splits the `count` rows or columns of a product of `work` multiply-adds across the
    /// cores when it is large enough, in blocks aligned to 16 floats (one cache line).
    static func forEachBlock(of count: Int, work: Int, alongside: (() -> Void)? = nil, _ body: (Range<Int>) -> Void) {
        forEachChunk(of: count, minimumChunk: blockMinimum(count: count, work: work), alignment: blockAlignment,
                     alongside: alongside, body)
    }

    /// The blocks `forEachBlock` would run (one, `0..<count`, when it keeps the work on one core):
    /// what a memory estimate needs to know of the split.
    static func blocks(of count: Int, work: Int) -> [Range<Int>] {
        let chunks = chunkCount(of: count, minimumChunk: blockMinimum(count: count, work: work))
        guard chunks > 1 else { return [0..<count] }
        return (0..<chunks).map { chunkBounds($0, of: chunks, count: count, alignment: blockAlignment) }
    }

    private static let blockAlignment = 16
    private static func blockMinimum(count: Int, work: Int) -> Int {
        work >= minimumParallelWork ? blockAlignment : max(1, count)
    }
}
