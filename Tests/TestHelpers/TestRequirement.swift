import Foundation
import XCTest

/// What a test needs from the machine. Where it is missing the test is skipped, unless
/// PRUNELAB_REQUIRE_TEST_DEPENDENCIES is set (scripts/test and CI set it, having installed
/// everything): then the test fails, so CI never passes by skipping.
public enum TestRequirement {
    public static var strict: Bool { ProcessInfo.processInfo.environment["PRUNELAB_REQUIRE_TEST_DEPENDENCIES"] != nil }

    /// The error a required but missing dependency throws after failing the test.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// Skips (or, where every dependency is required, fails) the test unless `condition` holds.
    public static func require(_ condition: Bool, _ missing: @autoclosure () -> String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        guard !condition else { return }
        try unavailable(missing(), file: file, line: line)
    }

    /// Skips (or, where every dependency is required, fails) the test: `message` is missing.
    public static func unavailable(_ message: String, file: StaticString = #filePath, line: UInt = #line) throws -> Never {
        guard strict else { throw XCTSkip(message) }
        XCTFail("required but missing: \(message)", file: file, line: line)
        throw Missing(description: message)
    }

    /// Debian's dataset-fashion-mnist, which .ci/run installs.
    public static func fashionMNIST(file: StaticString = #filePath, line: UInt = #line) throws {
        try require(FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"),
                    "/usr/share/datasets/fashion-mnist (install the Debian package dataset-fashion-mnist)", file: file, line: line)
    }
}
