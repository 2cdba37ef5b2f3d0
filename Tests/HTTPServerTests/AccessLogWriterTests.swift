import Foundation
import XCTest
@testable import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

final class AccessLogWriterTests: XCTestCase {
    func testLinesArriveWholeAndInOrderAfterFlushOrDelay() throws {
        let file = try XCTUnwrap(tmpfile())
        defer { fclose(file) }
        let writer = AccessLogWriter(file: file)
        DispatchQueue.concurrentPerform(iterations: 100) { writer.write("line \($0)") }
        writer.write("last")
        usleep(200_000)   // the batch flush runs by itself
        writer.flush()
        rewind(file)
        var text = ""
        var buffer = [CChar](repeating: 0, count: 256)
        while fgets(&buffer, Int32(buffer.count), file) != nil { text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 101)
        XCTAssertEqual(Set(lines), Set((0..<100).map { "line \($0)" } + ["last"]))
        XCTAssertEqual(lines.last, "last")
    }
}
