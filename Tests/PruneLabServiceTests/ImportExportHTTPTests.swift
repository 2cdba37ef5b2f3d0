import Foundation
import PruneKit
@testable import PruneLabService
import XCTest

/// A network made elsewhere, pruned through the API, and its points downloaded for PyTorch.
final class ImportExportHTTPTests: ServiceTestCase {
    func testImportedNetworkIsPrunedAndItsPointsDownload() throws {
        let files = folder.url.appendingPathComponent("inputs")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        try startService(dataRoots: [files])
        let weights = files.appendingPathComponent("torch.safetensors")
        try TorchExport.write(MLP.glorotUniform(layerSizes: [16, 10, 4], bias: true, seed: 3), to: weights)
        let dataset = #""dataset": {"name": "synthetic", "train_size": 128, "test_size": 64, "features": 16, "classes": 4, "seed": 1}"#

        // A hidden list that is not the file's is refused before the job is queued, naming both.
        let wrong = try client.post("/jobs", json: "{\(dataset), \"model\": {\"weights\": \"\(weights.path)\", \"hidden\": [12]}}")
        XCTAssertEqual(wrong.status, 422)
        let refusal = try problem(wrong)
        XCTAssertEqual((refusal["errors"] as? [[String: Any]])?.first?["pointer"] as? String, "/model/hidden")
        let notThere = try client.post("/jobs", json: "{\(dataset), \"model\": {\"weights\": \"\(files.path)/none.safetensors\"}}")
        XCTAssertEqual(notThere.status, 422)
        XCTAssertEqual((try problem(notThere)["errors"] as? [[String: Any]])?.first?["pointer"] as? String, "/model/weights")

        let id = try submit("{\(dataset), \"model\": {\"weights\": \"\(weights.path)\"}, \"pruning\": {\"methods\": [\"weight\", \"unit\"], \"sparsities\": [0, 50]}}")
        let job = try waitForJob(id, ["succeeded"])
        let spec = try XCTUnwrap(job["spec"] as? [String: Any])
        XCTAssertEqual((spec["model"] as? [String: Any])?["hidden"] as? [Int], [10], "the stored spec has the file's shape")
        XCTAssertEqual((spec["training"] as? [String: Any])?["epochs"] as? Int, 0)

        let download = try client.get("/jobs/\(id)/points/unit/50.0/model.safetensors")
        XCTAssertEqual(download.status, 200)
        let file = folder.url.appendingPathComponent("point.safetensors")
        try download.body.write(to: file)
        let shrunk = try ModelImport.read(at: file, layers: nil)
        XCTAssertEqual(shrunk.layerSizes, [16, 5, 4])
        XCTAssertEqual(try SafetensorsFile(url: file).metadata["method"], "unit")

        let csr = try client.get("/jobs/\(id)/points/weight/50/model.safetensors?format=csr")
        XCTAssertEqual(csr.status, 200)
        XCTAssertEqual(try client.get("/jobs/\(id)/points/weight/33/model.safetensors").status, 404)
        let bad = try client.get("/jobs/\(id)/points/pruneit/x/model.safetensors?repeat=-1")
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(Set((try problem(bad)["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? []),
                       ["/method", "/sparsity", "/repeat"])
        XCTAssertEqual(try client.get("/jobs/\(id)/points/weight/0/model.safetensors?variant=small-dense").status, 404)
        let badLayer = try client.get("/jobs/\(id)/points/weight/0/model.safetensors?layer=first")
        XCTAssertEqual(badLayer.status, 400)
        XCTAssertEqual((try problem(badLayer)["errors"] as? [[String: Any]])?.first?["pointer"] as? String, "/layer")
    }

    /// Points that train after pruning, and controls, download from the networks the sweep kept;
    /// a job folder without them (from before stored points) answers 409 naming the missing file.
    func testTrainedPointsAndControlsDownloadFromTheirStoredNetworks() throws {
        try startService()
        let id = try submit(#"{"dataset": {"name": "synthetic", "train_size": 128, "test_size": 64, "features": 16, "classes": 4, "seed": 1}, "model": {"hidden": [10]}, "training": {"epochs": 1}, "pruning": {"methods": ["weight", "unit"], "sparsities": [50], "finetune_epochs": 1, "controls": ["random-reinit", "small-dense"]}}"#)
        _ = try waitForJob(id, ["succeeded"])
        let job = try client.get("/jobs/\(id)").json()
        let artifacts = try XCTUnwrap(job["artifacts"] as? [String: Any], "\(job)")
        XCTAssertFalse(artifacts.keys.contains { $0.contains("points") }, "the kept networks are not listed as artifacts")
        for (method, variant) in [("weight", "pruned"), ("unit", "pruned"), ("weight", "random-reinit"), ("unit", "small-dense")] {
            let download = try client.get("/jobs/\(id)/points/\(method)/50/model.safetensors?variant=\(variant)")
            XCTAssertEqual(download.status, 200, "\(method) \(variant)")
            let file = folder.url.appendingPathComponent("\(method)-\(variant).safetensors")
            try download.body.write(to: file)
            let metadata = try SafetensorsFile(url: file).metadata
            XCTAssertEqual(metadata["source"], "stored")
            XCTAssertEqual(metadata["variant"], variant)
        }
        let points = try XCTUnwrap(service?.jobs.artifactsRoot).appendingPathComponent(id).appendingPathComponent(PointStore.folderName)
        try FileManager.default.removeItem(at: points)
        let refused = try client.get("/jobs/\(id)/points/weight/50/model.safetensors")
        XCTAssertEqual(refused.status, 409)
        let detail = try XCTUnwrap(try problem(refused)["detail"] as? String)
        XCTAssertTrue(detail.hasPrefix("points/weight-50-repeat-0.safetensors is missing"), detail)
    }
}

/// Files named by specs sent over HTTP must be under a data root.
final class DataRootsTests: XCTestCase {
    func testPathsOutsideTheRootsAreRefusedWhetherOrNotTheyExist() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("roots-\(UUID().uuidString)")
        let root = base.appendingPathComponent("root"), outside = base.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: base) }
        try Data([1]).write(to: root.appendingPathComponent("m.safetensors"))
        try Data([1]).write(to: outside.appendingPathComponent("secret"))
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("escape"), withDestinationURL: outside)
        let roots = DataRoots(extra: [root])
        XCTAssertTrue(roots.allows(root.appendingPathComponent("m.safetensors").path))
        XCTAssertTrue(roots.allows(root.appendingPathComponent("not/yet/there.npz").path), "inside a root, a missing file is the 422's business")
        XCTAssertTrue(roots.allows("/usr/share/datasets/fashion-mnist"))
        XCTAssertFalse(roots.allows(outside.appendingPathComponent("secret").path))
        XCTAssertFalse(roots.allows(outside.appendingPathComponent("nothing").path))
        XCTAssertFalse(roots.allows(root.path + "/../outside/secret"))
        XCTAssertFalse(roots.allows(root.appendingPathComponent("escape/secret").path), "a symlink leaving the root")
        XCTAssertFalse(roots.allows(root.appendingPathComponent("escape/nothing").path))
        XCTAssertFalse(roots.allows("relative/file.npz"))
        XCTAssertFalse(roots.allows(root.path + "x/file"), "a sibling whose name starts like the root")
        var spec = SweepSpec()
        spec.model.weights = outside.appendingPathComponent("secret").path
        spec.dataset = DatasetSpec(name: .csv, train: root.appendingPathComponent("a.csv").path, test: "/etc/passwd")
        XCTAssertEqual(roots.refusals(in: spec).map(\.pointer), ["/dataset/test", "/model/weights"])
    }
}
