#if canImport(Glibc)
import Glibc
#endif

/// Runs numeric work with denormal floats treated as zero (the SSE/AVX FTZ and DAZ modes),
/// as TensorFlow does in its compute threads.
///
/// As a network trains, some gradients, activations and Adam's second moments shrink into the
/// denormal range, where every vector instruction touching them slows down by about two
/// orders of magnitude; training then gets slower epoch by epoch. Flushing them to zero
/// changes results only below 1e-38 and stays deterministic. The mode is per thread, so it
/// is set around each piece of work and restored afterwards.
enum FlushToZero {
    static func run<R>(_ body: () throws -> R) rethrows -> R {
        #if arch(x86_64) && canImport(Glibc)
        var saved = fenv_t()
        fegetenv(&saved)
        var flushing = saved
        flushing.__mxcsr |= 0x8040  // FTZ (bit 15) and DAZ (bit 6)
        fesetenv(&flushing)
        defer { fesetenv(&saved) }
        #endif
        return try body()
    }
}
