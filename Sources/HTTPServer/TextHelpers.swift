extension StringProtocol {
    /// Without leading and trailing optional whitespace (SP and HTAB, RFC 9110 section 5.6.3).
    func trimmingOWS() -> String {
        let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isOWS($0) }), let last = lastIndex(where: { !isOWS($0) }) else { return "" }
        return String(self[first...last])
    }

    /// The comma-separated elements of a list-valued header, trimmed, empty ones dropped.
    func commaSeparatedElements() -> [String] {
        split(separator: ",").map { $0.trimmingOWS() }.filter { !$0.isEmpty }
    }
}

enum PercentDecoding {
    /// Decodes `%XX` escapes once (and `+` as a space when asked). Nil on a malformed escape
    /// or when the result is not valid UTF-8.
    static func decode<S: StringProtocol>(_ text: S, plusAsSpace: Bool = false) -> String? {
        // Most paths and names have nothing to decode: check without copying.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        let utf8 = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < utf8.count, let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) else {
                    return nil
                }
                bytes.append(UInt8(high * 16 + low))
                index += 3
            } else {
                bytes.append(plusAsSpace && byte == UInt8(ascii: "+") ? SP : byte)
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
