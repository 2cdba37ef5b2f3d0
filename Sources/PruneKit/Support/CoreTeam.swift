import CKernels
import Dispatch
import Foundation
import Synchronization

/// Persistent helper threads, one per core beyond the caller's, that run the pieces of
/// `Parallel`'s regions.
///
/// A training step of a small network is six regions of 100–300 µs each, and a timed pass of a
/// 99 %-sparse network is one region of 20–40 µs. Waking a dispatch worker for each costs a
/// futex wake-up and a context switch (measured at 9 % of the CPU of an iterative LeNet sweep),
/// so the helpers poll for the next region for a while after each one and only then sleep.
///
/// Pieces are claimed, not assigned: the caller claims pieces too, so a helper that is asleep
/// or descheduled costs at most one piece's delay and never a deadlock. Which thread runs a
/// piece never changes what the piece computes, so results stay those of the fixed split.
final class CoreTeam: @unchecked Sendable {
    /// The process's team, nil on one core. Started on first use.
    static let shared: CoreTeam? = Parallel.coreCount > 1 ? CoreTeam(helpers: Parallel.coreCount - 1) : nil

    /// How long a helper polls for the next region before it sleeps.
    static let helperSpinNanoseconds: UInt64 = 200_000
    /// How long the caller polls for helpers' pieces before it starts yielding its core.
    static let callerSpinNanoseconds: UInt64 = 50_000

    /// The current region, packed so one compare-and-swap claims a piece of exactly that
    /// region: generation (bits 32–63), next unclaimed piece (16–31), piece count (0–15).
    private let ticket = Atomic<UInt64>(0)
    /// Pieces of the current region finished.
    private let finished = Atomic<Int>(0)
    /// Taken by the thread running a region; a second caller runs its region without the team.
    private let busy = Atomic<Bool>(false)
    /// Helpers asleep (or about to be) on `wakeUp`.
    private let sleepers = Atomic<Int>(0)
    private let wakeUp = NSCondition()
    /// The current region's body; written before its ticket is published and cleared after
    /// every piece has finished, so a helper reads it only while it holds a claim.
    private nonisolated(unsafe) var body: ((Int) -> Void)?

    /// Most pieces a region may have (the ticket's 16-bit field).
    static let maximumPieces = 0xFFFF

    /// Starts `helpers` threads, which live as long as the process (tests make teams of their own).
    init(helpers: Int) {
        for index in 0..<helpers {
            let thread = Thread { [unowned self] in self.helperLoop() }
            thread.name = "prunelab-core-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `body(0) ... body(pieces - 1)` across the caller and the helpers, returning when all
    /// have finished. False (and nothing run) when another region holds the team: the caller
    /// then runs the region some other way.
    func run(pieces: Int, _ body: (Int) -> Void) -> Bool {
        precondition(pieces > 0 && pieces <= Self.maximumPieces, "a region of \(pieces) pieces")
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            self.body = body
            finished.store(0, ordering: .relaxed)
            // The 32-bit generation wraps around; a region is told from the last by inequality only.
            let generation = ((ticket.load(ordering: .relaxed) >> 32) &+ 1) & 0xFFFF_FFFF
            ticket.store(generation << 32 | UInt64(pieces), ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wakeUp.lock()
                wakeUp.broadcast()
                wakeUp.unlock()
            }
            FlushToZero.run { runClaimedPieces(of: generation) }
            waitUntilFinished(pieces)
            self.body = nil
        }
        return true
    }

    /// Claims and runs pieces of region `generation` until none is left.
    private func runClaimedPieces(of generation: UInt64) {
        while true {
            let current = ticket.load(ordering: .acquiring)
            let next = (current >> 16) & 0xFFFF, pieces = current & 0xFFFF
            guard current >> 32 == generation, next < pieces else { return }
            guard ticket.compareExchange(expected: current, desired: current + (1 << 16), ordering: .acquiringAndReleasing).exchanged
            else { continue }
            body?(Int(next))
            finished.add(1, ordering: .releasing)
        }
    }

    private func waitUntilFinished(_ pieces: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        var polls = 0
        while finished.load(ordering: .acquiring) < pieces {
            polls += 1
            if polls & 63 == 0, DispatchTime.now().uptimeNanoseconds - start > Self.callerSpinNanoseconds {
                sched_yield()
            } else {
                prunelab_spin_pause()
            }
        }
    }

    private func helperLoop() {
        // Helpers run only PruneLab's numeric pieces, so denormals stay flushed for good.
        FlushToZero.run {
            var seen: UInt64 = 0
            while true {
                seen = waitForRegion(after: seen)
                runClaimedPieces(of: seen)
            }
        }
    }

    /// The generation of the next region after `seen`: polled for a while, then slept on.
    private func waitForRegion(after seen: UInt64) -> UInt64 {
        let start = DispatchTime.now().uptimeNanoseconds
        var polls = 0
        while true {
            let generation = ticket.load(ordering: .acquiring) >> 32
            if generation != seen { return generation }
            polls += 1
            if polls & 255 == 0, DispatchTime.now().uptimeNanoseconds - start > Self.helperSpinNanoseconds { break }
            prunelab_spin_pause()
        }
        wakeUp.lock()
        defer { wakeUp.unlock() }
        sleepers.add(1, ordering: .sequentiallyConsistent)
        defer { sleepers.subtract(1, ordering: .sequentiallyConsistent) }
        while true {
            let generation = ticket.load(ordering: .sequentiallyConsistent) >> 32
            if generation != seen { return generation }
            wakeUp.wait()
        }
    }
}
