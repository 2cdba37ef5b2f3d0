import Foundation

/// Byte counts as people write them on a command line ("6GB", "512 MiB", "1.5G", "2000000")
/// and as messages show them ("41.2 GB").
package enum ByteCount {
    /// Decimal units (KB, MB, GB, TB; K, M, G, T alone too) and binary ones (KiB, MiB, GiB,
    /// TiB), any case; a bare number is bytes. Nil for anything else, or a negative or
    /// overflowing value.
    package static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let numberEnd = trimmed.firstIndex { !($0.isNumber || $0 == ".") } ?? trimmed.endIndex
        guard let number = Double(trimmed[..<numberEnd]), number.isFinite, number >= 0 else { return nil }
        let unit = trimmed[numberEnd...].trimmingCharacters(in: .whitespaces).lowercased()
        let scales: [String: Double] = [
            "": 1, "b": 1,
            "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
            "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
        ]
        guard let scale = scales[unit] else { return nil }
        let bytes = (number * scale).rounded()
        guard bytes < 9.0e18 else { return nil }
        return Int(bytes)
    }

    /// "950 B", "12.3 MB", "41.2 GB": decimal units, three significant digits at most.
    package static func format(_ bytes: Int) -> String {
        let value = Double(bytes)
        for (scale, unit) in [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")] where value >= scale {
            let scaled = value / scale
            return String(format: scaled < 10 ? "%.2f" : scaled < 100 ? "%.1f" : "%.0f", scaled) + " " + unit
        }
        return "\(bytes) B"
    }
}
