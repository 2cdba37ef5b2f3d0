import XCTest
@testable import PruneKit

/// The speed issue's targets as the bench checks them, and the TensorFlow side's process handling:
/// logic only, never a timing of this machine.
final class BenchmarkTargetTests: XCTestCase {
    private func report(layerSizes: [Int], sweepWall: Double?, tensorflowWall: Double?, isDefault: Bool = true) -> BenchmarkReport {
        let dense = 0.3
        let levels = [(90.0, 0.9, 0.05, "csr"), (99.0, 0.99, 0.01, "csr")].map { sparsity, achieved, pruned, kernel in
            LevelTiming(sparsity: sparsity, achievedSparsity: achieved, denseSeconds: dense, prunedSeconds: pruned,
                        speedup: dense / pruned, idealSpeedup: 1 / (1 - achieved), kernel: kernel, csrSeconds: pruned)
        }
        var sweep = SweepFigures(command: ["prunelab", "run"], wallSeconds: sweepWall, peakResidentMegabytes: sweepWall.map { _ in 160 })
        sweep.isDefault = isDefault
        return BenchmarkReport(
            cores: 2, blasKernel: "Zen", kernelInstructionSet: "AVX2 + FMA", sgemmGFLOPS: 150,
            training: TrainingFigures(layerSizes: layerSizes, batchSize: 64, optimizer: "adam", samplesPerSecond: 7000,
                                      effectiveGFLOPS: 120, flopsPerWeightPerSample: 6, fractionOfSGEMM: 0.8,
                                      passesSamplesPerSecond: 9000, fastestStepSamplesPerSecond: 7200, optimizerShareOfStep: 0.2),
            inference: InferenceFigures(layerSizes: layerSizes, images: 10_000, imageSource: "random", weightSource: "random",
                                        weightPruning: levels, unitPruning: levels, sparseKernelBuilds: []),
            sweep: sweep,
            tensorflow: tensorflowWall.map { TensorFlowFigures(command: ["python"], version: "2.21.0", points: 20, wallSeconds: $0) })
    }

    func testAtLeastAndAtMostTargetsSayMetAndByHowMuch() {
        let speedup = BenchmarkTarget(name: "s", measured: 40, target: 50, direction: .atLeast, unit: "x")
        XCTAssertFalse(speedup.met)
        XCTAssertEqual(speedup.ratio, 0.8, accuracy: 1e-12)
        let wall = BenchmarkTarget(name: "w", measured: 40, target: 50, direction: .atMost, unit: "s")
        XCTAssertTrue(wall.met)
        XCTAssertEqual(wall.ratio, 1.25, accuracy: 1e-12)
    }

    func testTheReferenceNetworkIsCheckedAgainstEveryTarget() throws {
        let targets = report(layerSizes: Benchmark.referenceLayerSizes, sweepWall: 60, tensorflowWall: 120).targets
        let byName = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, $0) })
        XCTAssertEqual(try XCTUnwrap(byName["training, batch 64, of SGEMM"]).met, true)
        // CSR at 90%: 0.3 / 0.05 = 6x of an ideal 10x.
        XCTAssertEqual(try XCTUnwrap(byName["CSR at 90% weight sparsity, of ideal"]).measured, 0.6, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(byName["weight pruning at 99%, speed-up"]).measured, 30, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(byName["unit pruning at 99%, speed-up"]).met, false)
        XCTAssertEqual(try XCTUnwrap(byName["default sweep, wall"]).met, false)
        XCTAssertEqual(try XCTUnwrap(byName["default sweep, peak resident memory"]).met, true)
        let versus = try XCTUnwrap(byName["sweep, TensorFlow's wall / PruneLab's"])
        XCTAssertEqual(versus.measured, 2, accuracy: 1e-12)
        XCTAssertEqual(versus.target, 2.4)
    }

    func testThePointsOfTheDefaultSweepAreHeldToTenSeconds() throws {
        var report = report(layerSizes: Benchmark.referenceLayerSizes, sweepWall: 60, tensorflowWall: nil)
        XCTAssertFalse(report.targets.contains { $0.name.contains("20 points") }, "not measured, not checked")
        report.sweep?.pointsWallSeconds = 12.5
        let points = try XCTUnwrap(report.targets.first { $0.name.contains("20 points") })
        XCTAssertFalse(points.met)
        XCTAssertEqual(points.ratio, 0.8, accuracy: 1e-12)
        XCTAssertTrue(report.table.contains("resumed after its training (loading, points, reports)"))
    }

    /// The resumed run gets a folder of its own holding only the checkpoints, and leaves nothing behind.
    func testThePointsRunResumesFromACopyOfTheCheckpointsOnly() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bench-points-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        for name in ["model.safetensors", "model-repeat-1.safetensors", "results.csv", "spec.json"] {
            try Data(name.utf8).write(to: output.appendingPathComponent(name))
        }
        let check = """
            test "$2" != "\(output.path)" && test -f "$2/model.safetensors" && test -f "$2/model-repeat-1.safetensors" \
              && test ! -e "$2/results.csv" && test ! -e "$2/spec.json"
            """
        let shell = URL(fileURLWithPath: "/bin/sh")
        XCTAssertNotNil(SweepMeasurement.measurePoints(executable: shell, arguments: ["-c", check, "sh", "--out", output.path], output: output))
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.appendingPathExtension("points").path))
        XCTAssertNil(SweepMeasurement.measurePoints(executable: shell, arguments: ["-c", "exit 3", "sh", "--out", output.path], output: output),
                     "a failing run has no figure")
        XCTAssertNil(SweepMeasurement.measurePoints(executable: shell, arguments: ["-c", "exit 0"], output: output), "no --out")
    }

    func testALeNetRunIsCheckedOnlyAgainstTheTenfoldTensorFlowTarget() throws {
        let targets = report(layerSizes: [784, 300, 100, 10], sweepWall: 10, tensorflowWall: 150).targets
        XCTAssertEqual(targets.map(\.name), ["sweep, TensorFlow's wall / PruneLab's"])
        XCTAssertEqual(targets[0].target, 10)
        XCTAssertTrue(targets[0].met)
    }

    func testAUsersOwnSweepSpecIsNotHeldToTheSweepTargets() {
        let targets = report(layerSizes: Benchmark.referenceLayerSizes, sweepWall: 30, tensorflowWall: 100, isDefault: false).targets
        XCTAssertFalse(targets.contains { $0.name.contains("sweep") }, "\(targets.map(\.name))")
    }

    func testTableAndJSONCarryTheTargets() throws {
        let report = report(layerSizes: Benchmark.referenceLayerSizes, sweepWall: 60, tensorflowWall: 120)
        let table = report.table
        for expected in ["Targets (issue 15)", "60.00 s (target <= 50 s): 0.83 of target, NOT met", "The same sweep in TensorFlow 2.21.0",
                         "2.00 x (target >= 2.4 x)"] {
            XCTAssertTrue(table.contains(expected), "table lacks \(expected):\n\(table)")
        }
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        let targets = try XCTUnwrap(json["targets"] as? [[String: Any]])
        XCTAssertEqual(targets.count, report.targets.count)
        XCTAssertEqual(targets.first?["met"] as? Bool, true)
        XCTAssertEqual((json["tensorflow"] as? [String: Any])?["wall_seconds"] as? Double, 120)
    }

    func testAnInferenceOnlyRunIsCheckedAgainstTheKernelTargetsAlone() throws {
        var report = report(layerSizes: Benchmark.referenceLayerSizes, sweepWall: nil, tensorflowWall: nil)
        report.sgemmGFLOPS = nil
        report.training = nil
        report.sweep = nil
        XCTAssertEqual(report.targets.map(\.name), ["CSR at 90% weight sparsity, of ideal", "weight pruning at 99%, speed-up",
                                                    "unit pruning at 99%, speed-up"])
        XCTAssertTrue(report.table.contains("SGEMM and training: skipped (--inference-only)"), report.table)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        XCTAssertNil(json["training"])
        XCTAssertNil(json["sgemm_gflops"])
        XCTAssertNotNil(json["inference"])
    }

    func testTheTensorFlowSideReadsTheScriptsSummaryLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tf-side-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("side.py")
        try """
        import json, sys
        print(json.dumps({"point": 1}))
        print(json.dumps({"tensorflow": "9.9", "points": 3, "peak_resident_megabytes": 12.5, "spec": sys.argv[1]}))
        """.write(to: script, atomically: true, encoding: .utf8)
        let python = URL(fileURLWithPath: "/usr/bin/python3")
        let figures = TensorFlowMeasurement.measure(python: python, script: script, spec: folder.appendingPathComponent("spec.json"))
        XCTAssertNil(figures.failure)
        XCTAssertEqual(figures.version, "9.9")
        XCTAssertEqual(figures.points, 3)
        XCTAssertEqual(figures.peakResidentMegabytes, 12.5)
        XCTAssertNotNil(figures.wallSeconds)

        try "import sys\nprint('tensorflow-sweep: /pruning/methods: snip', file=sys.stderr)\nsys.exit(2)\n".write(to: script, atomically: true, encoding: .utf8)
        let refused = TensorFlowMeasurement.measure(python: python, script: script, spec: folder.appendingPathComponent("spec.json"))
        XCTAssertNil(refused.wallSeconds)
        XCTAssertTrue(refused.failure?.contains("/pruning/methods: snip") ?? false, refused.failure ?? "")

        let missing = TensorFlowMeasurement.measure(python: python, script: folder.appendingPathComponent("none.py"), spec: script)
        XCTAssertTrue(missing.failure?.contains("does not exist") ?? false, missing.failure ?? "")
    }
}
