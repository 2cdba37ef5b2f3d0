import Foundation
import XCTest
@testable import PruneKit

final class ShardTests: XCTestCase {
    private func shard(_ index: Int, of count: Int) throws -> ShardIndex { try ShardIndex(index: index, count: count) }

    private func runShard(_ spec: SweepSpec, _ index: Int, of count: Int, into out: URL,
                          phases: ((SweepPhase) -> Void)? = nil) throws -> ShardOutcome {
        try ShardRunner(spec: spec, shard: shard(index, of: count), outputDirectory: out).run { phases?($0.phase) }
    }

    private func file(_ folder: URL, _ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }
    /// A chart without its points' tooltips, which quote each point's measured inference time.
    private func chart(_ folder: URL, _ name: String) throws -> String {
        String(decoding: try file(folder, name), as: UTF8.self).replacingOccurrences(of: "<title>[^<]*</title>", with: "", options: .regularExpression)
    }

    func testFourShardsOneRunTwiceMergeIntoTheRowsOfASingleRun() throws {
        let spec = tinySweep(repeats: 2, finetuneEpochs: 1)
        let single = try makeTemporaryFolder(self), out = try makeTemporaryFolder(self)
        let whole = try SweepRunner(spec: spec, outputDirectory: single).run()

        for index in 0..<4 { _ = try runShard(spec, index, of: 4, into: out) }
        // 12 lines, 3 to a shard: shards 0 and 1 need repeat 0 only, 2 and 3 repeat 1 only.
        let shard0 = ShardRunner.folder(ofShard: 0, in: out), shard2 = ShardRunner.folder(ofShard: 2, in: out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: shard0.appendingPathComponent("model.safetensors").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: shard0.appendingPathComponent("model-repeat-1.safetensors").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: shard2.appendingPathComponent("model.safetensors").path))

        // Shard 2 again (an index run twice): nothing is trained or measured, no file changes.
        let rows = try file(shard2, "results.csv"), manifest = try file(shard2, ShardManifest.fileName)
        var phases: [SweepPhase] = []
        let again = try runShard(spec, 2, of: 4, into: out) { phases.append($0) }
        XCTAssertFalse(phases.contains(.training) || phases.contains(.pruning), "\(phases)")
        XCTAssertEqual(try file(shard2, "results.csv"), rows)
        XCTAssertEqual(try file(shard2, ShardManifest.fileName), manifest)
        XCTAssertEqual(again.manifest.unitsDone, ["train/r1", "line/r1/weight/all/0", "line/r1/weight/all/50", "line/r1/weight/all/90"])

        let merged = try ShardMerge(outputDirectory: out).run()
        XCTAssertEqual(merged.shards, [0, 1, 2, 3])
        XCTAssertEqual(merged.duplicatesDropped, 0)
        XCTAssertEqual(withoutTimings(merged.rows), withoutTimings(whole.rows))
        XCTAssertEqual(withoutTimings(try ResultsCSV.decode(String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8))),
                       withoutTimings(whole.rows))
        XCTAssertEqual(Set(merged.artifacts), Set(whole.artifacts))
        // The reports are a single run's: the same charts of the same networks and baselines (latency aside: the clock's).
        for name in ["weights.svg", "accuracy.svg", "loss.svg", "accuracy-compression.svg", "layers.svg"] {
            XCTAssertEqual(try chart(out, name), try chart(single, name), name)
        }
        // Where each point was cut is measured, not timed: the merged masks are the single run's, byte for byte.
        for name in ["masks.json", "masks.svg"] { XCTAssertEqual(try file(out, name), try file(single, name), name) }
        for r in 0..<2 {
            let name = SweepRunner.checkpointName(repeatIndex: r)
            XCTAssertEqual(try Safetensors.read(from: out.appendingPathComponent(name)), try Safetensors.read(from: single.appendingPathComponent(name)))
        }
        XCTAssertTrue(merged.rows.allSatisfy { $0.host == MachineIdentity.current.host && $0.cpu == MachineIdentity.current.cpu })
    }

    func testAShardReportsItsOwnFractionFromZeroToOne() throws {
        // Shard 2 of 4 needs repeat 1 only: repeat 0 and the other shards' points are not its work.
        let spec = tinySweep(repeats: 2), out = try makeTemporaryFolder(self)
        var fractions: [Double] = []
        _ = try ShardRunner(spec: spec, shard: shard(2, of: 4), outputDirectory: out).run { fractions.append($0.fraction) }
        XCTAssertEqual(fractions.first, 0)
        XCTAssertEqual(fractions.last, 1)
        XCTAssertTrue(zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 }, "\(fractions)")
        // Its one training (2 epochs x 3 x 256 samples) of its work with 3 points (7 x 96 each): where pruning starts.
        XCTAssertTrue(fractions.contains(1536.0 / (1536 + 3 * 672)), "\(fractions)")
    }

    func testAPointRecordedByTwoShardsIsMergedOnce() throws {
        let spec = tinySweep(repeats: 1, sparsities: [0, 50])
        let out = try makeTemporaryFolder(self)
        for index in 0..<2 { _ = try runShard(spec, index, of: 2, into: out) }
        // Shard 0's folder also holds shard 1's rows, as if a point had been measured by both.
        let csv0 = ShardRunner.folder(ofShard: 0, in: out).appendingPathComponent("results.csv")
        let csv1 = ShardRunner.folder(ofShard: 1, in: out).appendingPathComponent("results.csv")
        let both = try ResultsCSV.decode(String(contentsOf: csv0, encoding: .utf8)) + ResultsCSV.decode(String(contentsOf: csv1, encoding: .utf8))
        try AtomicFile.write(ResultsCSV.encode(both), to: csv0)
        let merged = try ShardMerge(outputDirectory: out).run()
        XCTAssertEqual(merged.duplicatesDropped, 2)
        XCTAssertEqual(merged.rows.map(\.point), spec.points)
    }

    func testIterativeChainsSplitAcrossShardsMergeIntoASingleRun() throws {
        // Lottery tickets: each step rewinds to the weights after epoch 1 and retrains the other epoch.
        var spec = tinySweep(repeats: 1, sparsities: [20, 50, 80])
        spec.pruning.schedule = .iterative
        spec.pruning.rewind = .epoch(1)
        let single = try makeTemporaryFolder(self), out = try makeTemporaryFolder(self)
        let whole = try SweepRunner(spec: spec, outputDirectory: single).run()
        let first = try runShard(spec, 0, of: 2, into: out)
        XCTAssertEqual(first.lines.map(\.key), ["line/r0/weight/all"])
        _ = try runShard(spec, 1, of: 2, into: out)
        XCTAssertEqual(withoutTimings(try ShardMerge(outputDirectory: out).run().rows), withoutTimings(whole.rows))
    }

    func testEachLayerLinesSplitAcrossShardsMergeIntoASingleRun() throws {
        var spec = tinySweep(repeats: 1, sparsities: [50, 90])
        spec.pruning.scope = .eachLayer
        let single = try makeTemporaryFolder(self), out = try makeTemporaryFolder(self)
        let whole = try SweepRunner(spec: spec, outputDirectory: single).run()
        for index in 0..<3 { _ = try runShard(spec, index, of: 3, into: out) }
        XCTAssertEqual(withoutTimings(try ShardMerge(outputDirectory: out).run().rows), withoutTimings(whole.rows))
        XCTAssertEqual(try chart(out, "sensitivity.svg"), try chart(single, "sensitivity.svg"))
        XCTAssertEqual(try file(out, "masks.json"), try file(single, "masks.json"))
    }

    func testALineWhoseRowsAreGoneIsMissingWhateverTheManifestSays() throws {
        let spec = tinySweep(repeats: 1, methods: [.weight], sparsities: [0, 50])
        let out = try makeTemporaryFolder(self)
        for index in 0..<2 { _ = try runShard(spec, index, of: 2, into: out) }
        // As if a second run of index 1 had died early and replaced the first run's rows.
        try AtomicFile.write(ResultsCSV.encode([]), to: ShardRunner.folder(ofShard: 1, in: out).appendingPathComponent("results.csv"))
        XCTAssertThrowsError(try ShardMerge(outputDirectory: out).run()) { error in
            XCTAssertEqual(error as? MergeError, .missingLines(keys: ["line/r0/weight/all/50"]))
        }
    }

    func testShardsBeyondTheLinesTrainNothingAndStillMerge() throws {
        let spec = tinySweep(repeats: 1, methods: [.weight], sparsities: [0, 50])
        let out = try makeTemporaryFolder(self)
        for index in 0..<3 { _ = try runShard(spec, index, of: 3, into: out) }
        let idle = ShardRunner.folder(ofShard: 2, in: out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: idle.appendingPathComponent("model.safetensors").path))
        XCTAssertEqual(try ShardManifest.read(from: idle.appendingPathComponent(ShardManifest.fileName)).unitsDone, [])
        XCTAssertEqual(try ShardMerge(outputDirectory: out).run().rows.map(\.point), spec.points)
    }

    func testMergeRefusesShardsOfDifferentSpecs() throws {
        let out = try makeTemporaryFolder(self)
        let spec = tinySweep(repeats: 1, methods: [.weight], sparsities: [0, 50])
        var other = spec
        other.training.seed += 1
        _ = try runShard(spec, 0, of: 2, into: out)
        _ = try runShard(other, 1, of: 2, into: out)
        let hash = try ShardManifest.specHash(spec)
        XCTAssertThrowsError(try ShardMerge(outputDirectory: out).run()) { error in
            guard case let .specsDiffer(groups, fields) = error as? MergeError else { return XCTFail("\(error)") }
            XCTAssertEqual(groups.map(\.shards), [[0], [1]])
            XCTAssertEqual(fields, ["training"])
            XCTAssertTrue("\(error)".contains("shard 0 ran spec \(hash.prefix(12)); shard 1 ran spec"), "\(error)")
            XCTAssertTrue("\(error)".contains("differing in training"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("results.csv").path))
    }

    func testMergeNamesTheMissingShardsUnlessPartial() throws {
        let out = try makeTemporaryFolder(self)
        let spec = tinySweep(repeats: 1)
        _ = try runShard(spec, 0, of: 4, into: out)
        _ = try runShard(spec, 2, of: 4, into: out)
        XCTAssertThrowsError(try ShardMerge(outputDirectory: out).run()) { error in
            guard case let .missingShards(indices, count, _) = error as? MergeError else { return XCTFail("\(error)") }
            XCTAssertEqual(indices, [1, 3])
            XCTAssertEqual(count, 4)
            XCTAssertTrue("\(error)".hasPrefix("shards 1, 3 of 4 have not finished"), "\(error)")
        }
        let partial = try ShardMerge(outputDirectory: out).run(allowPartial: true)
        XCTAssertEqual(partial.missingShards, [1, 3])
        // 6 lines in 4 shards of 2, 2, 1 and 1: shards 1 and 3 had weight at 90 %, unit at 0 and at 90 %.
        XCTAssertEqual(partial.missingLines, ["line/r0/weight/all/90", "line/r0/unit/all/0", "line/r0/unit/all/90"])
        XCTAssertEqual(partial.rows.map(\.point), spec.points.filter { [0, 50].contains($0.targetSparsity) && $0.method == .weight
                                                                         || $0.targetSparsity == 50 && $0.method == .unit })
    }

    func testMergeOfAFolderWithoutShardsIsRefused() throws {
        let out = try makeTemporaryFolder(self)
        XCTAssertThrowsError(try ShardMerge(outputDirectory: out).run()) { error in
            XCTAssertEqual(error as? MergeError, .noFinishedShards(folder: ShardRunner.shardsFolder(in: out).path))
        }
    }

    func testAManifestWhoseSpecWasEditedIsRefused() throws {
        let out = try makeTemporaryFolder(self)
        _ = try runShard(tinySweep(repeats: 1, methods: [.weight], sparsities: [0]), 0, of: 1, into: out)
        let url = ShardRunner.folder(ofShard: 0, in: out).appendingPathComponent(ShardManifest.fileName)
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"name\" : \"tiny\"", with: "\"name\" : \"edited\"")
        try AtomicFile.write(text, to: url)
        XCTAssertThrowsError(try ShardMerge(outputDirectory: out).run()) { error in
            XCTAssertTrue("\(error)".contains("spec_sha256 is not the hash of its spec"), "\(error)")
        }
    }

    func testRunnerRefusesLinesThePlanDoesNotHave() throws {
        var runner = SweepRunner(spec: tinySweep(repeats: 1), outputDirectory: try makeTemporaryFolder(self))
        runner.lineSelection = .only(["line/r0/weight/all/0", "line/r3/weight/all/0"])
        XCTAssertThrowsError(try runner.run()) { error in
            XCTAssertEqual(error as? SweepError, .unknownWorkUnits(keys: ["line/r3/weight/all/0"]))
        }
    }

    func testShardArgumentsAreCheckedWithAClearMessage() throws {
        XCTAssertEqual(try ShardIndex(parsing: "3/16"), try shard(3, of: 16))
        XCTAssertEqual(try ShardIndex(parsing: "0/1").description, "0/1")
        let refused = [
            ("16/16", "--shard 16/16: i counts from 0 and must be below n, so 0 to 15"),
            ("-1/4", "--shard -1/4: i counts from 0 and must be below n, so 0 to 3"),
            ("0/0", "--shard i/n: n (the number of shards) must be at least 1, got 0"),
            ("3", "--shard must be i/n with whole numbers, i counted from 0, e.g. 3/16; got \"3\""),
            ("a/b", "--shard must be i/n with whole numbers, i counted from 0, e.g. 3/16; got \"a/b\""),
            ("1/2/3", "--shard must be i/n with whole numbers, i counted from 0, e.g. 3/16; got \"1/2/3\""),
            ("", "--shard must be i/n with whole numbers, i counted from 0, e.g. 3/16; got \"\""),
        ]
        for (text, message) in refused {
            XCTAssertThrowsError(try ShardIndex(parsing: text), text) { error in
                XCTAssertEqual("\(error)", message)
            }
        }
    }
}
