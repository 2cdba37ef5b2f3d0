import XCTest
@testable import PruneKit

/// The parts of `prunelab bench` that are logic rather than timing: running the sweep as a
/// child process (and failing clearly), and the report's table and JSON.
final class PruningBenchTests: XCTestCase {
    /// The figures are the child's: a child that touches 120 MB and sleeps 0.3 s shows at least that.
    func testASucceedingChildGivesItsWallTimeAndPeakMemory() throws {
        let script = "x = bytearray(120_000_000); import time; time.sleep(0.3)"
        let figures = SweepMeasurement.measure(executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-c", script])
        XCTAssertNil(figures.failure)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(figures.wallSeconds), 0.3)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(figures.peakResidentMegabytes), 114)
        XCTAssertEqual(figures.command, ["/usr/bin/env", "python3", "-c", script])
    }

    func testAFailingChildReportsItsStatusAndLastWords() throws {
        let figures = SweepMeasurement.measure(executable: URL(fileURLWithPath: "/bin/sh"),
                                               arguments: ["-c", "echo 'run is not built yet' >&2; exit 3"])
        XCTAssertNil(figures.wallSeconds)
        XCTAssertNil(figures.peakResidentMegabytes)
        let failure = try XCTUnwrap(figures.failure)
        XCTAssertTrue(failure.contains("status 3"), failure)
        XCTAssertTrue(failure.contains("run is not built yet"), failure)
    }

    func testAMissingExecutableIsAFailureNotACrash() {
        let figures = SweepMeasurement.measure(executable: URL(fileURLWithPath: "/nonexistent/prunelab"), arguments: ["run"])
        XCTAssertTrue(figures.failure?.contains("could not start") ?? false, figures.failure ?? "no failure")
    }

    func testTableAndJSONCarryEveryFigure() throws {
        let level = LevelTiming(sparsity: 90, achievedSparsity: 0.899, denseSeconds: 0.3, prunedSeconds: 0.075,
                                speedup: 4, idealSpeedup: 9.9, kernel: "csr")
        let report = BenchmarkReport(
            cores: 2, blasKernel: "Haswell", kernelInstructionSet: "AVX2 + FMA", sgemmGFLOPS: 140,
            training: TrainingFigures(layerSizes: [784, 10], batchSize: 64, optimizer: "adam", samplesPerSecond: 6500,
                                      effectiveGFLOPS: 0.3, flopsPerWeightPerSample: 6, fractionOfSGEMM: 0.002,
                                      passesSamplesPerSecond: 9000, fastestStepSamplesPerSecond: 6480, optimizerShareOfStep: 0.28),
            inference: InferenceFigures(layerSizes: [784, 10], images: 10_000, imageSource: "random images",
                                        weightSource: "random Glorot", weightPruning: [level], unitPruning: [level],
                                        sparseKernelBuilds: [KernelBuildTiming(instructionSet: "AVX2 + FMA", sparsity: 90, seconds: 0.05),
                                                             KernelBuildTiming(instructionSet: "baseline (SSE2)", sparsity: 90, seconds: 0.1)]),
            sweep: SweepFigures(command: ["prunelab", "run"], failure: "exited with status 2"))
        let table = report.table
        for expected in ["OpenBLAS Haswell", "built for AVX2 + FMA", "140.0 GFLOP/s", "6500 samples/s", "0.00 x SGEMM", "9000 samples/s", "28%", "10000 images (random images)",
                         "90%", "89.9%", "300.00", "75.00", "4.00x", "9.90x", "csr", "not measured: exited with status 2",
                         "by instruction set, 90% weight sparsity", "baseline (SSE2)", "100.00 ms = 2.00 x the fastest"] {
            XCTAssertTrue(table.contains(expected), "table lacks \(expected):\n\(table)")
        }
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
        XCTAssertEqual(json["sgemm_gflops"] as? Double, 140)
        XCTAssertEqual(json["kernel_instruction_set"] as? String, "AVX2 + FMA")
        let inference = try XCTUnwrap(json["inference"] as? [String: Any])
        let first = try XCTUnwrap((inference["weight_pruning"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["speedup"] as? Double, 4)
        XCTAssertEqual(first["kernel"] as? String, "csr")
    }

    func testTrainingAndSGEMMAlternateInRoundsOfTheirOwn() {
        // Figures only (never their size): a tiny network and product, three rounds.
        let rounds = PerformanceProbe.trainingAndSGEMM(layerSizes: [20, 8, 3], batchSize: 4, steps: 2, rounds: 3, sgemmSize: 32)
        XCTAssertEqual(rounds.sgemmGFLOPS.count, 3)
        XCTAssertEqual(rounds.samplesPerSecond.count, 3)
        for rate in rounds.sgemmGFLOPS + rounds.samplesPerSecond { XCTAssertTrue(rate > 0 && rate.isFinite, "\(rate)") }
    }

    func testFractionOfSGEMMIsTheMedianOfEachRoundsOwnRatio() {
        // Rounds whose SGEMM rates and training rates (GFLOP/s: the 20-8-3 network has 184
        // weights, 6 flops each a sample, 1,104 flops) moved together: the rounds' own ratios are
        // 0.3, 0.4 and 0.55, so 0.4; the ratio of the two medians (1.1 / 2) would read 0.55.
        var benchmark = Benchmark()
        benchmark.layerSizes = [20, 8, 3]
        benchmark.batchSize = 4
        var rounds = PerformanceProbe.TrainingAndSGEMMRounds()
        rounds.sgemmGFLOPS = [1, 3, 2]
        rounds.samplesPerSecond = [0.3e9 / 1104, 1.2e9 / 1104, 1.1e9 / 1104]
        let figures = benchmark.measureTraining(rounds)
        XCTAssertEqual(figures.fractionOfSGEMM, 0.4, accuracy: 1e-9)
        XCTAssertEqual(figures.samplesPerSecond, 1.1e9 / 1104, accuracy: 1e-3)
        XCTAssertEqual(figures.effectiveGFLOPS, 1.1, accuracy: 1e-9)
    }

    func testTrainingStepBreakdownTimesBothKindsOfStep() {
        // Figures only (never their size): a tiny network, a few rounds.
        let breakdown = PerformanceProbe.trainingStepBreakdown(layerSizes: [20, 8, 3], batchSize: 4, rounds: 2, stepsPerRound: 2)
        for seconds in [breakdown.passes, breakdown.step] { XCTAssertTrue(seconds > 0 && seconds.isFinite, "\(seconds)") }
    }
}
