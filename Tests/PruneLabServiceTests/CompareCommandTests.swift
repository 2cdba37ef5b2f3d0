import Foundation
import PruneKit
import XCTest

/// `prunelab compare` run as a user runs it: the executable this test build made, on sweep folders.
final class CompareCommandTests: XCTestCase {
    private func prunelab() throws -> URL {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [products, products.deletingLastPathComponent()].map { $0.appendingPathComponent("prunelab") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw DataFileError(path: products.path, problem: "holds no prunelab executable next to the test bundle; build it with swift build --build-tests")
        }
        return found
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = try prunelab()
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, out, err)
    }

    func testDrawsTheFoldersAndPrintsTheirSpecDiff() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("compare-cli-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: base) }
        var specs: [SweepSpec] = []
        for seed in [0, 4] {
            let spec = SweepSpec(name: "cli", dataset: DatasetSpec(name: .synthetic, trainSize: 128, testSize: 64, features: 8, classes: 3, seed: 1),
                                 model: ModelSpec(hidden: [8]), training: TrainingSpec(epochs: 1, batchSize: 32, seed: seed),
                                 pruning: PruningSpec(methods: [.weight], sparsities: [0, 50]))
            specs.append(spec)
            _ = try SweepRunner(spec: spec, outputDirectory: base.appendingPathComponent("seed-\(seed)")).run()
        }
        let chart = base.appendingPathComponent("compare.svg")
        let result = try run(["compare", base.appendingPathComponent("seed-0").path, base.appendingPathComponent("seed-4").path,
                              "--metric", "loss", "-o", chart.path])
        XCTAssertEqual(result.status, 0, result.errors)
        XCTAssertTrue(result.output.contains("/training/seed: 0 -> 4"), result.output)
        let svg = try String(contentsOf: chart, encoding: .utf8)
        XCTAssertTrue(svg.contains("data-series=\"cli (seed-0) — weight\"") && svg.contains("data-series=\"cli (seed-4) — weight\""), "each folder named")

        let missing = try run(["compare", base.appendingPathComponent("nothing").path, "-o", chart.path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.errors.contains("nothing/results.csv"), missing.errors)
        let badMetric = try run(["compare", base.appendingPathComponent("seed-0").path, "--metric", "speed"])
        XCTAssertNotEqual(badMetric.status, 0)
        XCTAssertTrue(badMetric.errors.contains("speed"), badMetric.errors)
    }
}
