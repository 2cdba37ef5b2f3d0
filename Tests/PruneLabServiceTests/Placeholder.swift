import XCTest
final class PruneLabServiceTestsPlaceholder: XCTestCase { func testBuilds() {} }
