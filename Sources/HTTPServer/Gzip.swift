import CZlib

/// gzip (RFC 1952) through zlib's deflate with the gzip wrapper.
enum Gzip {
    /// The gzip member of `bytes`, or nil if zlib fails.
    static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var stream = z_stream()
        // windowBits 15 + 16 asks deflate for a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        let status: Int32 = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}

/// When the server compresses a response (RFC 9110 section 12.5.3 and 8.4).
enum ContentCoding {
    /// Smaller bodies are not worth a gzip header and a CPU round.
    static let minimumSize = 1024

    /// Textual media types that compress well.
    static func isCompressible(contentType: String) -> Bool {
        // Byte-wise and without allocating: String's Unicode-aware prefix and suffix tests, and
        // then a lowercased copy, showed up on every response.
        var contentType = contentType
        return contentType.withUTF8 { bytes in
            var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            var start = 0
            while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
            while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
            let type = bytes[start..<end]
            func lowercased(_ byte: UInt8) -> UInt8 { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte }
            func equals(_ part: Slice<UnsafeBufferPointer<UInt8>>, _ text: [UInt8]) -> Bool {
                part.count == text.count && zip(part, text).allSatisfy { lowercased($0) == $1 }
            }
            func hasPrefix(_ text: [UInt8]) -> Bool { type.count >= text.count && equals(type.prefix(text.count), text) }
            func hasSuffix(_ text: [UInt8]) -> Bool { type.count >= text.count && equals(type.suffix(text.count), text) }
            return hasPrefix(textPrefix) || hasSuffix(jsonSuffix) || hasSuffix(xmlSuffix)
                || compressibleTypes.contains { equals(type, $0) }
        }
    }

    private static let textPrefix = Array("text/".utf8), jsonSuffix = Array("+json".utf8), xmlSuffix = Array("+xml".utf8)
    private static let compressibleTypes: [[UInt8]] = ["application/json", "application/javascript", "application/xml",
                                                       "image/svg+xml"].map { Array($0.utf8) }

    /// Whether `Accept-Encoding` gives gzip a q-value above zero (explicitly or through "*").
    static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        var gzipQuality: Double?, wildcardQuality: Double?
        for element in acceptEncoding.commaSeparatedElements() {
            let parameters = element.split(separator: ";").map { $0.trimmingOWS() }
            let coding = parameters[0].lowercased()
            var quality = 1.0
            for parameter in parameters.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingOWS() }
                if pair.count == 2, pair[0].lowercased() == "q" { quality = Double(pair[1]) ?? 0 }
            }
            if coding == "gzip" || coding == "x-gzip" { gzipQuality = quality }
            if coding == "*" { wildcardQuality = quality }
        }
        return (gzipQuality ?? wildcardQuality ?? 0) > 0
    }

    /// The ETag of the gzip variant: a strong validator must differ between representations.
    static func gzipETag(_ etag: String) -> String {
        etag.hasSuffix("\"") ? String(etag.dropLast()) + gzipETagSuffix + "\"" : etag
    }

    static let gzipETagSuffix = "-gz"
}
