import XCTest
final class PruneKitTestsPlaceholder: XCTestCase { func testBuilds() {} }
