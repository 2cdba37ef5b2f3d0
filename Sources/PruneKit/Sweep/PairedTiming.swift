import Dispatch

/// Dense and pruned inference timed as pairs, in alternating rounds, until the ratio settles.
///
/// Timing the dense network once and each pruned one minutes later compares two moments of a
/// shared machine: the same network once read 1.37x "faster". Here every round times both, in
/// alternating order (dense first, then pruned first), so slow drifts and the other core's load
/// hit both sides alike; the speed-up is the median of the rounds' ratios. Rounds continue until
/// the ratios' interquartile range is within `tolerance` of their median, or `maxRounds`.
public struct PairedTiming: Sendable, Equatable {
    /// Rounds always run before the spread is checked.
    public var minRounds = 5
    /// Rounds at which measuring stops even if the ratios have not settled.
    public var maxRounds = 21
    /// Relative interquartile range of the ratios at which the measurement is settled.
    public var tolerance = 0.05

    /// A timing with the default rounds and tolerance.
    public init() {}

    /// Which side a round times first and what one run cost.
    public enum Side: Sendable, Equatable { case dense, pruned }

    /// The medians of each side and of the rounds' ratios, and how many rounds it took.
    public struct Result: Sendable, Equatable {
        /// Median seconds of the dense side's runs.
        public var denseSeconds: Double
        /// Median seconds of the pruned side's runs.
        public var prunedSeconds: Double
        /// Median over rounds of dense / pruned: how many times faster the pruned network runs.
        public var speedup: Double
        /// Rounds measured before stopping.
        public var rounds: Int
        /// Relative interquartile range of the ratios when the measurement stopped.
        public var spread: Double
    }

    /// Runs rounds of `run(side)`, each returning the seconds one run took. One untimed warm-up
    /// run of each side comes first (thread start-up, first touches of memory).
    public func measure(_ run: (Side) -> Double) -> Result {
        _ = run(.dense)
        _ = run(.pruned)
        var rounds = Rounds(self)
        rounds.continue(run)
        return rounds.result
    }

    /// The rounds of one measurement so far, for a caller that runs the sides itself (the timed
    /// evaluation runs them on its own batches) and may hand over to `continue(_:)`.
    public struct Rounds: Sendable {
        public let pairing: PairedTiming
        private(set) var dense: [Double] = [], pruned: [Double] = [], ratios: [Double] = []
        private(set) var spread = Double.infinity

        public init(_ pairing: PairedTiming) { self.pairing = pairing }

        /// The order of the next round's runs: dense first, then pruned first, alternately.
        public var order: [Side] { dense.count % 2 == 0 ? [.dense, .pruned] : [.pruned, .dense] }

        /// Settled (at least `minRounds` and a spread within `tolerance`) or at `maxRounds`.
        public var isDone: Bool {
            dense.count >= pairing.maxRounds || (ratios.count >= pairing.minRounds && spread <= pairing.tolerance)
        }

        /// Records one round's seconds of each side.
        public mutating func add(dense seconds: Double, pruned prunedSeconds: Double) {
            let d = max(seconds, 1e-9), p = max(prunedSeconds, 1e-9)
            dense.append(d)
            pruned.append(p)
            ratios.append(d / p)
            if ratios.count >= pairing.minRounds {
                let middle = PairedTiming.median(ratios)
                spread = (PairedTiming.quantile(ratios, 0.75) - PairedTiming.quantile(ratios, 0.25)) / middle
            }
        }

        /// Runs the round `run(side)` for each side in `order`.
        public mutating func round(_ run: (Side) -> Double) {
            var times: [Side: Double] = [:]
            for side in order { times[side] = run(side) }
            add(dense: times[.dense] ?? 0, pruned: times[.pruned] ?? 0)
        }

        /// Runs rounds until done.
        public mutating func `continue`(_ run: (Side) -> Double) {
            while !isDone { round(run) }
        }

        /// The medians so far; at least one round must have run.
        public var result: Result {
            Result(denseSeconds: PairedTiming.median(dense), prunedSeconds: PairedTiming.median(pruned),
                   speedup: PairedTiming.median(ratios), rounds: ratios.count, spread: spread)
        }
    }

    /// Times `work` once, in seconds of wall clock.
    public static func seconds(_ work: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        work()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    static func median(_ values: [Double]) -> Double { quantile(values, 0.5) }

    /// Linear interpolation between the closest ranks (the common "type 7" quantile).
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(sorted.count - 1, low + 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
}
