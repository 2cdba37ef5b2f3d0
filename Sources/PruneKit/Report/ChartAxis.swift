import Foundation

/// A linear map from data values to pixels, with "nice" tick values (1, 2 or 5 times a power of ten).
struct ChartAxis: Equatable, Sendable {
    var lower: Double
    var upper: Double
    var ticks: [Double]

    /// An axis covering `lower...upper`, widened outward to the nearest ticks; about `targetTicks` ticks.
    init(covering lower: Double, _ upper: Double, targetTicks: Int = 6) {
        var lo = lower.isFinite ? lower : 0
        var hi = upper.isFinite ? upper : 1
        if hi < lo { swap(&lo, &hi) }
        if hi - lo < 1e-12 {
            // A flat series still needs a visible range around it.
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        let step = ChartAxis.niceStep((hi - lo) / Double(max(targetTicks - 1, 1)))
        let first = (lo / step).rounded(.down) * step
        let last = (hi / step).rounded(.up) * step
        var ticks: [Double] = []
        var k = 0
        while true {
            let value = first + Double(k) * step
            if value > last + step * 1e-9 { break }
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            k += 1
        }
        self.lower = first
        self.upper = last
        self.ticks = ticks
    }

    /// An axis with exactly these bounds and ticks.
    init(lower: Double, upper: Double, ticks: [Double]) {
        self.lower = lower
        self.upper = upper
        self.ticks = ticks
    }

    /// The smallest of 1, 2, 5 x 10^n at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * magnitude >= raw * (1 - 1e-9) {
            return factor * magnitude
        }
        return 10 * magnitude
    }

    /// Maps `value` into `from...to` pixels (from = pixel of `lower`).
    func position(_ value: Double, from: Double, to: Double) -> Double {
        from + (value - lower) / (upper - lower) * (to - from)
    }

    /// Tick label without noise digits: "0.25", "1e-05" avoided for ordinary ranges.
    func label(_ value: Double) -> String {
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        if decimals == 0 && abs(value) >= 1e6 { return String(format: "%.0e", value) }
        return String(format: "%.\(min(decimals, 6))f", value)
    }
}
