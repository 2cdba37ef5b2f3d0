import Foundation
import TestHelpers
import XCTest
@testable import PruneKit

/// PruneLab against numpy and safetensors (PyPI's, as PyTorch users have them): a network and
/// data made in numpy are imported and pruned, and the exported points give, in a numpy
/// forward pass, the accuracies PruneLab reported.
final class CrossEcosystemTests: XCTestCase {
    func python(_ script: String, _ arguments: [String]) throws -> JSONValue {
        let result = try PythonHelper.run(PythonHelper.sequentialForward + "\n" + script, arguments, module: "safetensors")
        XCTAssertEqual(result.status, 0, result.errors)
        return try JSONValue.parse(result.output)
    }

    func testImportPruneExportAgreesWithNumpy() throws {
        let folder = try makeTemporaryFolder(self)
        let made = try python("""
            d = sys.argv[1]
            rng = np.random.default_rng(8)
            centers = rng.uniform(40, 215, size=(5, 24))
            def draw(n):
                y = rng.integers(0, 5, size=n)
                x = np.clip(centers[y] + rng.normal(0, 40, size=(n, 24)), 0, 255).astype(np.uint8)
                return x, y.astype(np.uint8)
            xtr, ytr = draw(400); xte, yte = draw(300)
            np.savez_compressed(d + "/data.npz", x_train=xtr.reshape(400, 4, 6), y_train=ytr, x_test=xte.reshape(300, 4, 6), y_test=yte)
            # A network "trained elsewhere": a nearest-centre first layer, random others, PyTorch's layout.
            w0 = np.concatenate([centers / 255, rng.normal(0, 0.3, size=(11, 24))]).astype(np.float32)
            b0 = (-0.5 * (centers / 255 ** 1) .sum(1) / 255).tolist() + [0.0] * 11
            t = {"0.weight": w0, "0.bias": np.array(b0, dtype=np.float32),
                 "2.weight": rng.normal(0, 0.4, size=(12, 16)).astype(np.float32), "2.bias": np.zeros(12, dtype=np.float32),
                 "4.weight": rng.normal(0, 0.4, size=(5, 12)).astype(np.float32), "4.bias": np.zeros(5, dtype=np.float32)}
            t["4.weight"][:, :5] += 3 * np.eye(5, dtype=np.float32)
            t["2.weight"][:5, :5] += 3 * np.eye(5, dtype=np.float32)
            save_file(t, d + "/model.safetensors")
            print(json.dumps({"accuracy": accuracy(t, xte.astype(np.float32) / 255, yte)}))
            """, [folder.path])
        let numpyAccuracy = try XCTUnwrap(made["accuracy"]?.numberValue)

        let out = folder.appendingPathComponent("sweep")
        let spec = try SweepSpec.parse(JSONValue.object([
            "dataset": ["name": "npz", "path": .string(folder.appendingPathComponent("data.npz").path)],
            "model": ["weights": .string(folder.appendingPathComponent("model.safetensors").path)],
            "pruning": ["methods": ["weight", "unit"], "sparsities": [0, 50, 80]],
        ]))
        let outcome = try SweepRunner(spec: spec, outputDirectory: out).run()
        let dense = try XCTUnwrap(outcome.rows.first { $0.method == .weight && $0.targetSparsity == 0 })
        XCTAssertEqual(dense.accuracy, numpyAccuracy, accuracy: 1.0 / 300 + 1e-12, "the imported network scores as in numpy")
        XCTAssertEqual(try Safetensors.read(from: out.appendingPathComponent("model.safetensors")).layerSizes, [24, 16, 12, 5])

        for (method, sparsity) in [(PruningMethod.weight, 80.0), (.unit, 50.0)] {
            let file = folder.appendingPathComponent("export-\(method.rawValue).safetensors")
            let exported = try PointExport.write(folder: out, point: PointSelector(method: method, sparsity: sparsity), to: file, masks: true)
            let checked = try python("""
                t = load_file(sys.argv[1])
                z = np.load(sys.argv[2])
                weights = {k: v for k, v in t.items() if not k.endswith("_mask")}
                masks = {k: v for k, v in t.items() if k.endswith("_mask")}
                print(json.dumps({"accuracy": accuracy(weights, z["x_test"].reshape(len(z["x_test"]), -1).astype(np.float32) / 255, z["y_test"]),
                                  "shapes": {k: list(v.shape) for k, v in weights.items()},
                                  "zeros": int(sum((v == 0).sum() for k, v in weights.items() if k.endswith(".weight"))),
                                  "masks_match": all(((weights[k[:-5]] != 0) == (v == 1)).all() for k, v in masks.items()),
                                  "masks": len(masks)}))
                """, [file.path, folder.appendingPathComponent("data.npz").path])
            XCTAssertEqual(try XCTUnwrap(checked["accuracy"]?.numberValue), exported.row.accuracy, accuracy: 1.0 / 300 + 1e-12, "\(method)")
            if method == .weight {
                XCTAssertEqual(checked["shapes"]?["0.weight"], [16, 24])
                XCTAssertGreaterThan(try XCTUnwrap(checked["zeros"]?.numberValue), 0.5 * Double(16 * 24 + 12 * 16))
                XCTAssertEqual(checked["masks"], .int(3))
                XCTAssertEqual(checked["masks_match"], .bool(true))
            } else {
                XCTAssertEqual(checked["shapes"]?["0.weight"], [8, 24], "the shrunk network: half the units of each hidden layer")
                XCTAssertEqual(checked["shapes"]?["2.weight"], [6, 8])
                XCTAssertEqual(checked["masks"], .int(0), "a shrunk network has nothing masked")
            }
        }
        // Points that are not kept, and points that do not exist, are refused with the reason.
        XCTAssertThrowsError(try PointExport.network(folder: out, point: PointSelector(method: .weight, sparsity: 60))) { error in
            XCTAssertTrue("\(error)".contains("no point weight:60:0"), "\(error)")
        }
    }
}
