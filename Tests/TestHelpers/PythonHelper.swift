import Foundation
import XCTest

/// Runs a Python snippet for a test (JSON Schema validation, safetensors, OpenAPI checks).
/// Without python3 or a module the snippet imports, the test is skipped, unless
/// PRUNELAB_REQUIRE_PYTHON_HELPERS is set (as scripts/test and CI set it): then it fails.
public enum PythonHelper {
    public struct Result {
        public var status: Int32
        public var output: Data
        public var errors: String
    }

    /// Runs `python3 -c script args...`; the snippet exits 77 when an import fails.
    public static func run(_ script: String, _ arguments: [String] = [], module: String,
                           file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let required = ProcessInfo.processInfo.environment["PRUNELAB_REQUIRE_PYTHON_HELPERS"] != nil
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import sys\ntry:\n    import \(module)\nexcept ImportError:\n    sys.exit(77)\n" + script] + arguments
        let output = Pipe(), errors = Pipe()
        python.standardOutput = output
        python.standardError = errors
        do { try python.run() } catch {
            if required { XCTFail("python3 is required but cannot run: \(error)", file: file, line: line) }
            throw XCTSkip("python3 is not available: \(error)")
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        if python.terminationStatus == 77 {
            let message = "python3 has no \(module) (scripts/test installs it in .venv-test)"
            if required { XCTFail(message, file: file, line: line) }
            throw XCTSkip(message)
        }
        return Result(status: python.terminationStatus, output: out, errors: err)
    }
}
