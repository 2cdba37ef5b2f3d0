import XCTest
@testable import HTTPServer

/// Range parsing without a server (the responses themselves are in StaticFilesTests).
final class FileResponderTests: XCTestCase {
    func testByteRanges() {
        XCTAssertEqual(ByteRange.parse("bytes=0-0", size: 5), .range(0..<1))
        XCTAssertEqual(ByteRange.parse(" bytes=3-", size: 5), .range(3..<5))
        XCTAssertEqual(ByteRange.parse("bytes=-2", size: 5), .range(3..<5))
        XCTAssertEqual(ByteRange.parse("bytes=5-", size: 5), .unsatisfiable)
        XCTAssertEqual(ByteRange.parse("bytes=0-", size: 0), .unsatisfiable)
        XCTAssertEqual(ByteRange.parse("bytes=-", size: 5), .ignore)
        XCTAssertEqual(ByteRange.parse("bytes=1-2, 3-4", size: 5), .ignore)
        XCTAssertEqual(ByteRange.parse("bytes=99999999999999999999-", size: 5), .ignore)
    }
}
