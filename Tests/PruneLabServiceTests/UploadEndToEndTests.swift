import Foundation
import PruneKit
import TestHelpers
import XCTest

/// A network and data made in numpy, uploaded over HTTP, pruned by a sweep that names them by
/// id; the downloaded points give, in a numpy forward pass, the accuracies the sweep reported.
final class UploadEndToEndTests: ServiceTestCase {
    func python(_ script: String, _ arguments: [String]) throws -> JSONValue {
        let result = try PythonHelper.run(PythonHelper.sequentialForward + "\n" + script, arguments, module: "safetensors")
        XCTAssertEqual(result.status, 0, result.errors)
        return try JSONValue.parse(result.output)
    }

    func testANumpyNetworkAndNPZUploadedOverHTTPArePrunedAndItsPointsAgreeWithNumpy() throws {
        let files = try TemporaryFolder()
        defer { files.remove() }
        let made = try python("""
            d = sys.argv[1]
            rng = np.random.default_rng(5)
            centers = rng.uniform(40, 215, size=(4, 20))
            def draw(n):
                y = rng.integers(0, 4, size=n)
                x = np.clip(centers[y] + rng.normal(0, 45, size=(n, 20)), 0, 255).astype(np.uint8)
                return x, y.astype(np.uint8)
            xtr, ytr = draw(300); xte, yte = draw(200)
            np.savez_compressed(d + "/data.npz", x_train=xtr.reshape(300, 4, 5), y_train=ytr, x_test=xte.reshape(200, 4, 5), y_test=yte)
            w0 = np.concatenate([centers / 255, rng.normal(0, 0.3, size=(8, 20))]).astype(np.float32)
            t = {"0.weight": w0, "0.bias": (-0.5 * (centers / 255).sum(1) / 255).tolist() + [0.0] * 8,
                 "2.weight": rng.normal(0, 0.4, size=(4, 12)).astype(np.float32), "2.bias": np.zeros(4, dtype=np.float32)}
            t["0.bias"] = np.array(t["0.bias"], dtype=np.float32)
            t["2.weight"][:, :4] += 3 * np.eye(4, dtype=np.float32)
            save_file(t, d + "/model.safetensors")
            print(json.dumps({"accuracy": accuracy(t, xte.astype(np.float32) / 255, yte)}))
            """, [files.url.path])
        try startService()

        let upload = { (path: String, file: String) throws -> [String: Any] in
            let response = try self.client.send("POST", path, body: try Data(contentsOf: files.url.appendingPathComponent(file)))
            XCTAssertEqual(response.status, 201, response.text)
            return try response.json()
        }
        let model = try upload("/models", "model.safetensors")
        let data = try upload("/datasets", "data.npz")
        XCTAssertEqual((model["model"] as? [String: Any])?["layer_sizes"] as? [Int], [20, 12, 4])
        let arrays = try XCTUnwrap((data["dataset"] as? [String: Any])?["arrays"] as? [[String: Any]])
        XCTAssertEqual(arrays.map { $0["name"] as? String }, ["x_train", "y_train", "x_test", "y_test"])
        XCTAssertEqual(arrays.first?["shape"] as? [Int], [300, 4, 5])
        XCTAssertEqual(arrays.first?["dtype"] as? String, "u1")

        let spec = """
            {"dataset": {"uploaded": "\(data["id"] as? String ?? "")"}, "model": {"uploaded": "\(model["id"] as? String ?? "")"},
             "pruning": {"methods": ["weight", "unit"], "sparsities": [0, 50, 80]}}
            """
        let id = try submit(spec)
        let job = try waitForJob(id, ["succeeded", "failed"])
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job["error"] ?? "")")
        let rows = try ResultsCSV.decode(try client.get("/jobs/\(id)/results.csv").text)
        let dense = try XCTUnwrap(rows.first { $0.method == .weight && $0.targetSparsity == 0 })
        XCTAssertEqual(dense.accuracy, try XCTUnwrap(made["accuracy"]?.numberValue), accuracy: 1.0 / 200 + 1e-12,
                       "the uploaded network scores as in numpy")

        for (method, sparsity) in [(PruningMethod.weight, 80.0), (.unit, 50.0)] {
            let row = try XCTUnwrap(rows.first { $0.method == method && $0.targetSparsity == sparsity })
            let download = try client.get("/jobs/\(id)/points/\(method.rawValue)/\(Int(sparsity))/model.safetensors")
            XCTAssertEqual(download.status, 200)
            let file = files.url.appendingPathComponent("point-\(method.rawValue).safetensors")
            try download.body.write(to: file)
            let checked = try python("""
                t = load_file(sys.argv[1])
                z = np.load(sys.argv[2])
                print(json.dumps({"accuracy": accuracy(t, z["x_test"].reshape(len(z["x_test"]), -1).astype(np.float32) / 255, z["y_test"]),
                                  "first": list(t["0.weight"].shape), "zeros": int((t["0.weight"] == 0).sum())}))
                """, [file.path, files.url.appendingPathComponent("data.npz").path])
            XCTAssertEqual(try XCTUnwrap(checked["accuracy"]?.numberValue), row.accuracy, accuracy: 1.0 / 200 + 1e-12, "\(method) \(sparsity)")
            if method == .weight {
                XCTAssertEqual(checked["first"], [12, 20])
                XCTAssertGreaterThanOrEqual(try XCTUnwrap(checked["zeros"]?.numberValue), 0.8 * 240 - 1)
            } else {
                XCTAssertEqual(checked["first"], [6, 20], "the shrunk network keeps half the hidden units")
            }
        }
    }
}
