import Foundation
import XCTest
@testable import PruneKit

/// Files written by PruneLab 0.3 (the first version, commit 986ddd8), kept in Tests/Fixtures/v1:
/// a finished sweep of 2 repeats x 2 methods x 2 levels with fine-tuning. Later versions must
/// read them and resume the sweep from them without training again or changing a row.
final class EarlierFormatsTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/v1/job")

    func testResolvedSpecOfVersion1Decodes() throws {
        let spec = try JSONDecoder().decode(SweepSpec.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("spec.json")))
        XCTAssertEqual(spec.name, "fixture")
        XCTAssertEqual(spec.dataset.name, .synthetic)
        XCTAssertEqual(spec.repeats, 2)
        XCTAssertEqual(spec.pruning.finetuneEpochs, 1)
    }

    func testCheckpointOfVersion1Loads() throws {
        let url = Self.fixtures.appendingPathComponent("model.safetensors")
        XCTAssertEqual(try Safetensors.read(from: url).layerSizes, [8, 6, 3])
        XCTAssertNil(try Safetensors.metadata(of: url)["format_version"], "version 1 wrote no format version")
    }

    func testCheckpointsNowSayWhatWroteThem() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("m.safetensors")
        try Safetensors.write(try Safetensors.read(from: Self.fixtures.appendingPathComponent("model.safetensors")), to: url)
        let metadata = try Safetensors.metadata(of: url)
        XCTAssertEqual(metadata["format_version"], String(FormatVersion.checkpoint))
        XCTAssertEqual(metadata["prunelab_version"], FormatVersion.prunelab)
        XCTAssertFalse(metadata["blas_kernels", default: ""].isEmpty)
    }

    /// The whole folder resumes: checkpoints load (no training) and every measured row is kept.
    func testSweepOfVersion1ResumesWithItsRowsIntact() throws {
        let folder = try makeTemporaryFolder(self)
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path) {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let old = try ResultsCSV.decode(String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8))
        XCTAssertEqual(old.count, 8)
        let spec = try JSONDecoder().decode(SweepSpec.self, from: Data(contentsOf: folder.appendingPathComponent("spec.json")))
        var phases: [SweepPhase] = []
        let outcome = try SweepRunner(spec: spec, outputDirectory: folder).run { phases.append($0.phase) }
        XCTAssertFalse(phases.contains(.training), "a resumed sweep trained again")
        XCTAssertEqual(outcome.rows.count, old.count)
        for (new, before) in zip(outcome.rows, old) {
            XCTAssertEqual(new.point, before.point)
            XCTAssertEqual(new.accuracy, before.accuracy)
            XCTAssertEqual(new.loss, before.loss)
            XCTAssertEqual(new.nonzeroParameters, before.nonzeroParameters)
        }
    }

    static let version2 = fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("v2/job")

    /// A sweep written by PruneLab 0.4.0 (commit 9985aad; results format 2, before host and cpu):
    /// it resumes without training or measuring again, and its rows say nothing of where they were measured.
    func testSweepOfResultsFormat2ResumesWithItsRowsIntact() throws {
        let folder = try makeTemporaryFolder(self)
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.version2.path) {
            try FileManager.default.copyItem(at: Self.version2.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let text = try String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(ResultsCSV.formatVersion(ofHeader: try CSV.decode(text)[0]), 2)
        let old = try ResultsCSV.decode(text)
        XCTAssertEqual(old.count, 8)
        XCTAssertTrue(old.allSatisfy { $0.host == nil && $0.cpu == nil })
        XCTAssertEqual(old.map(\.variant).filter { $0 == .randomReinit }.count, 4)
        let spec = try JSONDecoder().decode(SweepSpec.self, from: Data(contentsOf: folder.appendingPathComponent("spec.json")))
        var phases: [SweepPhase] = []
        let outcome = try SweepRunner(spec: spec, outputDirectory: folder).run { phases.append($0.phase) }
        XCTAssertFalse(phases.contains(.training) || phases.contains(.pruning), "a resumed sweep worked again: \(phases)")
        XCTAssertEqual(outcome.rows, old)
        let rewritten = try String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(try CSV.decode(rewritten)[0], ResultsCSV.header)
    }
}
