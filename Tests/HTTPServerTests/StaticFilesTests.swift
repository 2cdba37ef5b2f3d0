import CZlib
import XCTest
@testable import HTTPServer

/// Static files over a real server: types, validators, conditionals, ranges, folders,
/// traversal attempts, symlinks and gzip.
final class StaticFilesTests: XCTestCase {
    private var base: URL!
    private var root: URL!
    private var server: TestServer!
    private let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\">" + String(repeating: "<rect width=\"1\" height=\"2\"/>", count: 100) + "</svg>"

    override func setUpWithError() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("static-\(UUID().uuidString)")
        root = base.appendingPathComponent("public")
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("jobs/a"), withIntermediateDirectories: true)
        try manager.createDirectory(at: base.appendingPathComponent("public2"), withIntermediateDirectories: true)
        try "<html>home</html>".write(to: root.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try "<html>job a</html>".write(to: root.appendingPathComponent("jobs/a/index.html"), atomically: true, encoding: .utf8)
        try svg.write(to: root.appendingPathComponent("chart.svg"), atomically: true, encoding: .utf8)
        try "a,b\n1,2\n".write(to: root.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)
        try "0123456789".write(to: root.appendingPathComponent("digits.txt"), atomically: true, encoding: .utf8)
        try "{}".write(to: root.appendingPathComponent("x.json"), atomically: true, encoding: .utf8)
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: root.appendingPathComponent("i.png"))
        try Data([1, 2, 3]).write(to: root.appendingPathComponent("model.safetensors"))
        try "".write(to: root.appendingPathComponent("empty.txt"), atomically: true, encoding: .utf8)
        try "secret".write(to: base.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try "sibling".write(to: base.appendingPathComponent("public2/s.txt"), atomically: true, encoding: .utf8)
        try "hidden".write(to: root.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        try manager.createSymbolicLink(atPath: root.appendingPathComponent("out.txt").path, withDestinationPath: base.appendingPathComponent("secret.txt").path)
        try manager.createSymbolicLink(atPath: root.appendingPathComponent("outdir").path, withDestinationPath: base.path)
        try manager.createSymbolicLink(atPath: root.appendingPathComponent("sib").path, withDestinationPath: base.appendingPathComponent("public2").path)
        try manager.createSymbolicLink(atPath: root.appendingPathComponent("in.txt").path, withDestinationPath: "digits.txt")

        let router = Router()
        router.add("POST", "/jobs") { _ in HTTPResponse(status: 202) }
        router.mountStatic(StaticFiles(root: root))
        server = try TestServer(handler: router.handler)
    }

    override func tearDownWithError() throws {
        server.stop()
        try FileManager.default.removeItem(at: base)
    }

    private func get(_ target: String, _ fields: String = "", method: String = "GET") throws -> RawResponse {
        try XCTUnwrap(try server.exchange("\(method) \(target) HTTP/1.1\r\nHost: x\r\n\(fields)\r\n", head: method == "HEAD"))
    }

    func testContentTypesAndNosniff() throws {
        let expected = [
            "/index.html": "text/html; charset=utf-8", "/chart.svg": "image/svg+xml",
            "/results.csv": "text/csv; charset=utf-8", "/x.json": "application/json", "/i.png": "image/png",
            "/model.safetensors": "application/octet-stream", "/digits.txt": "text/plain; charset=utf-8",
        ]
        for (path, type) in expected {
            let response = try get(path)
            XCTAssertEqual(response.status, 200, path)
            XCTAssertEqual(response.headers["Content-Type"], type, path)
            XCTAssertEqual(response.headers["X-Content-Type-Options"], "nosniff", path)
        }
        XCTAssertEqual(try get("/digits.txt").text, "0123456789")
        XCTAssertEqual(try get("/empty.txt").body, [])
    }

    func testFoldersServeIndexHtml() throws {
        XCTAssertEqual(try get("/").text, "<html>home</html>")
        XCTAssertEqual(try get("/jobs/a/").text, "<html>job a</html>")
        let redirect = try get("/jobs/a?x=1")
        XCTAssertEqual(redirect.status, 301)
        XCTAssertEqual(redirect.headers["Location"], "/jobs/a/?x=1")
        XCTAssertEqual(try get("/jobs/").status, 404, "folder without index.html")
        XCTAssertEqual(try get("/nope.html").status, 404)
    }

    func testHeadGivesGetHeadersWithoutBody() throws {
        let full = try get("/chart.svg")
        let head = try get("/chart.svg", method: "HEAD")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["Content-Length"], full.headers["Content-Length"])
        XCTAssertEqual(head.headers["ETag"], full.headers["ETag"])
        XCTAssertEqual(Int(head.headers["Content-Length"] ?? ""), svg.utf8.count)
    }

    func testValidatorsAndConditionalRequests() throws {
        let first = try get("/digits.txt")
        let etag = try XCTUnwrap(first.headers["ETag"])
        let lastModified = try XCTUnwrap(first.headers["Last-Modified"])
        XCTAssertTrue(etag.hasPrefix("\"") && etag.hasSuffix("\""), "strong ETag: \(etag)")
        XCTAssertNotNil(HTTPDate.parse(lastModified))

        XCTAssertEqual(try get("/digits.txt", "If-None-Match: \(etag)\r\n").status, 304)
        XCTAssertEqual(try get("/digits.txt", "If-None-Match: \"other\", W/\(etag)\r\n").status, 304)
        XCTAssertEqual(try get("/digits.txt", "If-None-Match: *\r\n").status, 304)
        XCTAssertEqual(try get("/digits.txt", "If-None-Match: \"other\"\r\n").status, 200)
        let notModified = try get("/digits.txt", "If-Modified-Since: \(lastModified)\r\n")
        XCTAssertEqual(notModified.status, 304)
        XCTAssertEqual(notModified.headers["ETag"], etag)
        XCTAssertNil(notModified.headers["Content-Length"])
        XCTAssertEqual(try get("/digits.txt", "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n").status, 200)
        XCTAssertEqual(try get("/digits.txt", "If-Modified-Since: garbage\r\n").status, 200)
        // If-None-Match wins over If-Modified-Since.
        XCTAssertEqual(try get("/digits.txt", "If-None-Match: \"other\"\r\nIf-Modified-Since: \(lastModified)\r\n").status, 200)
    }

    func testSingleByteRanges() throws {
        let cases: [(String, Int, String, String?)] = [
            ("bytes=2-4", 206, "234", "bytes 2-4/10"),
            ("bytes=7-", 206, "789", "bytes 7-9/10"),
            ("bytes=-3", 206, "789", "bytes 7-9/10"),
            ("bytes=5-100", 206, "56789", "bytes 5-9/10"),
            ("bytes=-100", 206, "0123456789", "bytes 0-9/10"),
            ("bytes=10-", 416, "", "bytes */10"),
            ("bytes=-0", 416, "", "bytes */10"),
            ("bytes=4-2", 200, "0123456789", nil),
            ("bytes=1-2,4-5", 200, "0123456789", nil),
            ("items=1-2", 200, "0123456789", nil),
            ("bytes=a-b", 200, "0123456789", nil),
        ]
        for (range, status, body, contentRange) in cases {
            let response = try get("/digits.txt", "Range: \(range)\r\n")
            XCTAssertEqual(response.status, status, range)
            if status != 416 { XCTAssertEqual(response.text, body, range) }
            XCTAssertEqual(response.headers["Content-Range"], contentRange, range)
        }
        XCTAssertEqual(try get("/digits.txt").headers["Accept-Ranges"], "bytes")
        let etag = try XCTUnwrap(try get("/digits.txt").headers["ETag"])
        XCTAssertEqual(try get("/digits.txt", "Range: bytes=0-0\r\nIf-Range: \(etag)\r\n").status, 206)
        XCTAssertEqual(try get("/digits.txt", "Range: bytes=0-0\r\nIf-Range: \"stale\"\r\n").status, 200)
    }

    func testTraversalAttemptsAreRefused() throws {
        let attempts = [
            "/../secret.txt", "/jobs/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/secret.txt",
            "/..%2fsecret.txt", "/jobs%2f..%2f..%2fsecret.txt", "/..%5csecret.txt", "/..\\secret.txt",
            "/digits.txt%00.html", "/./digits.txt", "/.env", "/out.txt", "/outdir/secret.txt", "/sib/s.txt",
            "/%252e%252e/secret.txt", "//etc/passwd", "/jobs//../../secret.txt",
        ]
        for attempt in attempts {
            let response = try get(attempt)
            XCTAssertTrue([400, 404].contains(response.status), "\(attempt) gave \(response.status)")
            XCTAssertFalse(response.text.contains("secret") && !response.text.contains("detail"), attempt)
            XCTAssertFalse(response.text.contains("sibling"), attempt)
        }
        XCTAssertEqual(try get("/in.txt").text, "0123456789", "a symlink inside the root is fine")
    }

    func testEmptySegmentsAndTrailingSlashesResolveLikeTheirPlainForm() throws {
        // Plain paths take a one-pass check; these take the full one and must land on the same files.
        for target in ["//digits.txt", "/jobs//a/index.html", "/jobs/a//index.html", "/jobs/a/"] {
            let response = try get(target)
            XCTAssertEqual(response.status, 200, target)
            XCTAssertEqual(response.text, target.hasSuffix("txt") ? "0123456789" : "<html>job a</html>", target)
        }
        XCTAssertEqual(try get("/jobs/a").status, 301, "a folder without its slash")
        XCTAssertEqual(try get("/jobs/.a/index.html").status, 404, "a hidden segment inside a path")
        XCTAssertEqual(try get("/jobs/a/./index.html").status, 400)
    }

    func testHiddenNamesAreFoundByBytesNotByCharacters() throws {
        // U+0600 is a prepended mark: as Characters, "\u{0600}/" is one, and "\u{0600}/.env" was a
        // single component that did not start with "."; a combining accent after the dot hid it too.
        let folder = root.appendingPathComponent("\u{0600}")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "hidden".write(to: folder.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        try "accent".write(to: root.appendingPathComponent(".\u{301}env"), atomically: true, encoding: .utf8)
        for target in ["/%D8%80/.env", "/.%CC%81env"] {
            let response = try get(target)
            XCTAssertEqual(response.status, 404, target)
            XCTAssertFalse(response.text == "hidden" || response.text == "accent", target)
        }
    }

    func testASymlinkRepointedOutOfTheRootAfterCachingIsRefused() throws {
        // The remembered real path is used only while the requested path's file is the cached one.
        XCTAssertEqual(try get("/in.txt").text, "0123456789")
        XCTAssertEqual(try get("/in.txt").text, "0123456789", "from the cache")
        let link = root.appendingPathComponent("in.txt").path
        try FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: base.appendingPathComponent("secret.txt").path)
        let response = try get("/in.txt")
        XCTAssertEqual(response.status, 404)
        XCTAssertFalse(response.text.contains("secret\""), "the file outside the root is not served")
        XCTAssertNotEqual(response.text, "secret")
    }

    func testNonGetOnFileGives405AndRoutesStillWin() throws {
        let response = try get("/digits.txt", method: "DELETE")
        XCTAssertEqual(response.status, 405)
        XCTAssertEqual(response.headers["Allow"], "GET, HEAD")
        XCTAssertEqual(try server.exchange("POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")?.status, 202)
        XCTAssertEqual(try get("/nothing", method: "DELETE").status, 404)
    }

    func testGzipForTextOverOneKilobyte() throws {
        let plain = try get("/chart.svg")
        let zipped = try get("/chart.svg", "Accept-Encoding: br;q=1.0, gzip;q=0.5\r\n")
        XCTAssertEqual(zipped.status, 200)
        XCTAssertEqual(zipped.headers["Content-Encoding"], "gzip")
        XCTAssertEqual(zipped.headers["Vary"], "Accept-Encoding")
        XCTAssertEqual(plain.headers["Vary"], "Accept-Encoding")
        XCTAssertNil(plain.headers["Content-Encoding"])
        XCTAssertLessThan(zipped.body.count, plain.body.count / 4)
        XCTAssertEqual(try gunzip(zipped.body), Array(svg.utf8))
        XCTAssertNotEqual(zipped.headers["ETag"], plain.headers["ETag"], "each representation has its own strong ETag")
        let gzipETag = try XCTUnwrap(zipped.headers["ETag"])
        XCTAssertEqual(try get("/chart.svg", "Accept-Encoding: gzip\r\nIf-None-Match: \(gzipETag)\r\n").status, 304)
        // Twice, to go through the compressed-body cache.
        XCTAssertEqual(try gunzip(try get("/chart.svg", "Accept-Encoding: gzip\r\n").body), Array(svg.utf8))
    }

    func testNoGzipWhenRefusedSmallBinaryOrRanged() throws {
        XCTAssertNil(try get("/chart.svg", "Accept-Encoding: gzip;q=0\r\n").headers["Content-Encoding"])
        XCTAssertNil(try get("/chart.svg", "Accept-Encoding: identity\r\n").headers["Content-Encoding"])
        XCTAssertEqual(try get("/chart.svg", "Accept-Encoding: *\r\n").headers["Content-Encoding"], "gzip")
        XCTAssertNil(try get("/chart.svg", "Accept-Encoding: *, gzip;q=0\r\n").headers["Content-Encoding"])
        XCTAssertNil(try get("/digits.txt", "Accept-Encoding: gzip\r\n").headers["Content-Encoding"], "under 1 KB")
        let ranged = try get("/chart.svg", "Accept-Encoding: gzip\r\nRange: bytes=0-99\r\n")
        XCTAssertEqual(ranged.status, 206)
        XCTAssertNil(ranged.headers["Content-Encoding"])
        XCTAssertEqual(ranged.text, String(svg.prefix(100)))
    }

    func testContentTypeByExtension() {
        XCTAssertEqual(StaticFiles.contentType(forPath: "/a/B.SVG"), "image/svg+xml")
        XCTAssertEqual(StaticFiles.contentType(forPath: "/a/noext"), "application/octet-stream")
        XCTAssertEqual(StaticFiles.contentType(forPath: "/a/x.unknown"), "application/octet-stream")
    }
}

/// Inflates a gzip member with zlib (windowBits 15 + 16), independently of the server's code.
func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    var stream = z_stream()
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw CocoaError(.fileReadCorruptFile)
    }
    defer { inflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: 1 << 20)
    var input = bytes
    let status: Int32 = input.withUnsafeMutableBufferPointer { inputBuffer in
        output.withUnsafeMutableBufferPointer { outputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            stream.next_out = outputBuffer.baseAddress
            stream.avail_out = uInt(outputBuffer.count)
            return inflate(&stream, Z_FINISH)
        }
    }
    guard status == Z_STREAM_END else { throw CocoaError(.fileReadCorruptFile) }
    return Array(output[0..<Int(stream.total_out)])
}
