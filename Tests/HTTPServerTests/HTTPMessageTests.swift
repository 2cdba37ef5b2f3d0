import XCTest
@testable import HTTPServer

final class HTTPMessageTests: XCTestCase {
    func testHeaderNamesCompareIgnoringASCIICaseOnly() {
        XCTAssertTrue(HTTPHeaders.namesMatch("Content-Length", "content-LENGTH"))
        XCTAssertFalse(HTTPHeaders.namesMatch("Content-Length", "Content-Lengt"))
        XCTAssertFalse(HTTPHeaders.namesMatch("a-b", "a\u{0D}b"), "only letters fold")
        XCTAssertFalse(HTTPHeaders.namesMatch("[", "{"))
    }
}
