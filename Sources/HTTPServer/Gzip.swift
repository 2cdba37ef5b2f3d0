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
        // Byte-wise: String's Unicode-aware prefix and suffix tests showed up on every response.
        let type = Array((contentType.split(separator: ";", maxSplits: 1).first ?? "").trimmingOWS().utf8)
            .map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
        return type.starts(with: "text/".utf8) || type.reversed().starts(with: "+json".utf8.reversed())
            || type.reversed().starts(with: "+xml".utf8.reversed()) || compressibleTypes.contains(type)
    }

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
