#if canImport(Glibc)
import Glibc
#endif

/// A value behind a plain pthread mutex, for state that every request touches (access-log
/// batch, file and gzip caches).
///
/// `Mutex` from Synchronization spins and then takes a priority-inheritance futex; with many
/// Dispatch threads on 2 cores the holder is often descheduled, and `prunelab serve` lost
/// about 45% of its static-file rate with `Mutex` on these paths (wrk -t2 -c64, same run).
/// Rarely contended state uses `Mutex`. Unchecked because the mutex, not the compiler, makes
/// `value` safe to share; it is reachable only inside `withLock`.
final class Locked<Value>: @unchecked Sendable {
    /// Allocated, so that its address never changes (a stored property's `&` is not stable).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
