import Foundation
import XCTest

/// Runs a Python snippet for a test (JSON Schema validation, safetensors, OpenAPI checks).
/// Without python3 or a module the snippet imports, the test is skipped, or fails where every
/// dependency is required (`TestRequirement`).
public enum PythonHelper {
    /// Python defining `accuracy(tensors, x, y)`: a numpy forward pass of an
    /// `nn.Sequential(Linear, ReLU, ..., Linear)` state dict (`0.weight` [out, in], `0.bias`, ...),
    /// with numpy and safetensors.numpy's `load_file` / `save_file` imported.
    public static let sequentialForward = """
        import json, numpy as np
        from safetensors.numpy import load_file, save_file
        def accuracy(tensors, x, y):
            h = x
            n = sorted({int(k.split(".")[0]) for k in tensors if k.endswith(".weight")})
            for i, k in enumerate(n):
                h = h @ tensors[f"{k}.weight"].T + tensors.get(f"{k}.bias", 0)
                if i < len(n) - 1: h = np.maximum(h, 0)
            return float((h.argmax(1) == y).mean())
        """

    public struct Result {
        public var status: Int32
        public var output: Data
        public var errors: String
    }

    /// Runs `python3 -c script args...`; the snippet exits 77 when an import fails.
    public static func run(_ script: String, _ arguments: [String] = [], module: String,
                           file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import sys\ntry:\n    import \(module)\nexcept ImportError:\n    sys.exit(77)\n" + script] + arguments
        let output = Pipe(), errors = Pipe()
        python.standardOutput = output
        python.standardError = errors
        do { try python.run() } catch {
            try TestRequirement.unavailable("python3 cannot run: \(error)", file: file, line: line)
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        if python.terminationStatus == 77 {
            try TestRequirement.unavailable("python3 has no \(module) (scripts/test installs it in .venv-test)", file: file, line: line)
        }
        return Result(status: python.terminationStatus, output: out, errors: err)
    }
}
