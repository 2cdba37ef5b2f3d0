import XCTest
@testable import HTTPServer

/// Random inputs built from the pieces requests are made of: the parser must never trap, and
/// feeding the same bytes in random slices must give the same outcome as feeding them at once.
final class RequestParserFuzzTests: XCTestCase {
    private let pieces = [
        "GET", "POST", " ", "  ", "/", "/a", "*", "http://h/p", "?q=%41", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "\r\n", "\n",
        "\r", "Host: x", "Host:", "Content-Length: ", "0", "5", "18446744073709551616", "Transfer-Encoding: ", "chunked",
        "identity", ", ", ":", " :", "\t", "Expect: 100-continue", "Connection: close", "hello", ";ext=1", "ff", "\u{0}",
        "\u{7F}", "é", "X-Long: " + String(repeating: "v", count: 300),
    ]

    private struct Outcome: Equatable {
        var requests: [String]
        var error: HTTPParseError?
    }

    private func run(_ bytes: [UInt8], slices: [Int]) -> Outcome {
        var limits = ParserLimits()
        limits.maxBody = 64
        limits.maxHead = 2048
        limits.maxRequestLine = 512
        limits.maxFields = 8
        var parser = RequestParser(limits: limits)
        var buffer = ByteBuffer()
        var requests: [String] = []
        var offset = 0
        for size in slices + [bytes.count] {
            let end = min(bytes.count, offset + size)
            buffer.append(Array(bytes[offset..<end]))
            offset = end
            do {
                while true {
                    let event = try parser.parse(&buffer)
                    if case .request(let request) = event {
                        requests.append("\(request.head.method) \(request.head.target) \(request.body.count)")
                    } else if case .needMore = event {
                        break
                    }
                }
            } catch let error as HTTPParseError {
                return Outcome(requests: requests, error: error)
            } catch {
                XCTFail("unexpected error \(error)")
            }
            if offset == bytes.count { break }
        }
        return Outcome(requests: requests, error: nil)
    }

    func testRandomRequestsNeverTrapAndSlicingDoesNotMatter() {
        var generator = SplitMix(seed: 42)
        for _ in 0..<3000 {
            let count = Int(generator.next() % 24) + 1
            let text = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            let bytes = Array(text.utf8)
            let whole = run(bytes, slices: [])
            let slices = (0..<8).map { _ in Int(generator.next() % 16) + 1 }
            let sliced = run(bytes, slices: slices)
            // Sliced input may stop earlier only by still waiting for bytes that came whole.
            XCTAssertEqual(whole.error?.status, sliced.error?.status, text.debugDescription)
            XCTAssertEqual(whole.requests, sliced.requests, text.debugDescription)
        }
    }

    func testRandomBytesNeverTrap() {
        var generator = SplitMix(seed: 7)
        for _ in 0..<2000 {
            let bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = run(bytes, slices: [Int(generator.next() % 50) + 1])
        }
    }
}

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
