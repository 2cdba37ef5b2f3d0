import Foundation
import PruneKit
@testable import PruneLabService
import XCTest

/// `POST /models` and `POST /datasets`: files checked before they are kept, listed, named by
/// specs, deleted; bad files and bodies over `--max-upload` refused, leaving nothing behind.
final class UploadHTTPTests: ServiceTestCase {
    var uploads: URL { folder.url.appendingPathComponent("public/uploads") }

    func upload(_ path: String, _ body: Data, file: StaticString = #filePath, line: UInt = #line) throws -> LoopbackClient.Response {
        try client.send("POST", path, headers: ["Content-Type": "application/octet-stream"], body: body)
    }

    func uploadedID(_ response: LoopbackClient.Response, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        XCTAssertEqual(response.status, 201, response.text, file: file, line: line)
        return try XCTUnwrap(response.json()["id"] as? String, file: file, line: line)
    }

    /// Files in the upload folders, the spool folder included.
    func storedFiles() -> [String] {
        let names = FileManager.default.enumerator(atPath: uploads.path)?.allObjects as? [String] ?? []
        return names.filter { !["models", "datasets", ".incoming"].contains($0) }.sorted()
    }

    func testAModelIsCheckedStoredNamedBySpecsAndDeleted() throws {
        try startService()
        let model = folder.url.appendingPathComponent("torch.safetensors")
        try TorchExport.write(MLP.glorotUniform(layerSizes: [16, 10, 4], bias: true, seed: 3), to: model)
        let bytes = try Data(contentsOf: model)

        let created = try upload("/models", bytes)
        let id = try uploadedID(created)
        let record = try created.json()
        XCTAssertNotNil(id.range(of: "^[0-9a-f]{20}$", options: .regularExpression))
        XCTAssertEqual(created.headers["location"], "/models/\(id)")
        XCTAssertEqual(record["kind"] as? String, "model")
        XCTAssertEqual(record["bytes"] as? Int, bytes.count)
        XCTAssertEqual(record["sha256"] as? String, try SHA256.hex(ofFile: model))
        XCTAssertEqual((record["model"] as? [String: Any])?["layer_sizes"] as? [Int], [16, 10, 4])
        XCTAssertEqual((record["model"] as? [String: Any])?["bias"] as? Bool, true)
        XCTAssertEqual(storedFiles(), ["models/\(id).json", "models/\(id).safetensors"], "kept under its id; no spool file left")

        let again = try upload("/models", bytes)
        XCTAssertEqual(again.status, 200, "the same file again is the same upload")
        XCTAssertEqual(try again.json()["id"] as? String, id)
        let listed = try XCTUnwrap(try client.get("/models").json()["uploads"] as? [[String: Any]])
        XCTAssertEqual(listed.compactMap { $0["id"] as? String }, [id])
        XCTAssertEqual(try client.get("/models/\(id)").status, 200)
        XCTAssertEqual(try client.get("/datasets/\(id)").status, 404, "a model is not a dataset")

        // A spec names it; the job runs on its file (the stored spec has the path, not the id).
        let dataset = #""dataset": {"name": "synthetic", "train_size": 128, "test_size": 64, "features": 16, "classes": 4, "seed": 1}"#
        let job = try submit("{\(dataset), \"model\": {\"uploaded\": \"\(id)\"}, \"pruning\": {\"methods\": [\"weight\"], \"sparsities\": [0, 50]}}")
        let finished = try waitForJob(job, ["succeeded"])
        let storedModel = try XCTUnwrap((finished["spec"] as? [String: Any])?["model"] as? [String: Any])
        XCTAssertEqual(storedModel["weights"] as? String, uploads.appendingPathComponent("models/\(id).safetensors").path)
        XCTAssertNil(storedModel["uploaded"])
        XCTAssertEqual(storedModel["hidden"] as? [Int], [10], "the shape comes from the uploaded file")

        // Naming both, or an id that is not an upload, is refused with the pointer.
        let both = try client.post("/jobs", json: "{\(dataset), \"model\": {\"uploaded\": \"\(id)\", \"weights\": \"/x.safetensors\"}}")
        XCTAssertEqual(both.status, 400)
        XCTAssertEqual((try problem(both)["errors"] as? [[String: Any]])?.first?["pointer"] as? String, "/model/uploaded")

        XCTAssertEqual(try client.delete("/models/\(id)").status, 204)
        XCTAssertEqual(try client.get("/models/\(id)").status, 404)
        XCTAssertEqual(try client.delete("/models/\(id)").status, 404)
        XCTAssertEqual(storedFiles(), [])
        let gone = try client.post("/jobs", json: "{\(dataset), \"model\": {\"uploaded\": \"\(id)\"}}")
        XCTAssertEqual(gone.status, 422)
        let refusal = try problem(gone)
        XCTAssertEqual((refusal["errors"] as? [[String: Any]])?.first?["pointer"] as? String, "/model/uploaded")
        XCTAssertTrue((refusal["detail"] as? String ?? "").contains(id))
    }

    func testBadFilesAreRefusedNamingTheProblemWithoutQuotingThem() throws {
        try startService()
        let secret = "SECRET-BYTES-OF-THE-CLIENT"
        // A model that is not safetensors; a header length beyond the file.
        var header = Data([200, 0, 0, 0, 0, 0, 0, 0])
        header.append(Data(secret.utf8))
        for (path, body, words) in [("/models", header, "declares a 200-byte header"),
                                    ("/datasets", Data([0, 1, 2, 3]) + Data(secret.utf8), "neither an .npz"),
                                    ("/datasets", Data("label,a,b\n1,2,\(secret)\n".utf8), "line 2, column \"b\": the value is not a number"),
                                    ("/datasets?label_column=y", Data("label,a\n1,2\n".utf8), "has no column \"y\"")] {
            let response = try upload(path, body)
            XCTAssertEqual(response.status, 422, "\(path): \(response.text)")
            let detail = try problem(response)["detail"] as? String ?? ""
            XCTAssertTrue(detail.contains(words), "\(path): \(detail)")
            XCTAssertFalse(detail.contains(secret), "the problem never quotes the file: \(detail)")
            XCTAssertFalse(detail.contains(uploads.path), "nor names the server's folders: \(detail)")
        }
        let empty = try upload("/models", Data())
        XCTAssertEqual(empty.status, 400)
        XCTAssertEqual(try problem(empty)["type"] as? String, "urn:prunelab:problem:empty-upload")
        let query = try upload("/models?layers=fc1,fc1", Data("x".utf8))
        XCTAssertEqual(query.status, 400)
        XCTAssertEqual((try problem(query)["errors"] as? [[String: Any]])?.first?["pointer"] as? String, "/layers")
        XCTAssertEqual(try upload("/datasets?layers=a", Data("x".utf8)).status, 400, "models take layers, datasets a label column")
        XCTAssertEqual(storedFiles(), [], "nothing of a refused upload is kept")
    }

    func testBodiesOverTheUploadLimitGet413NamingItAndLeaveNothing() throws {
        try startService(maxUpload: 1000)
        let over = try upload("/models", Data(repeating: 7, count: 1001))
        XCTAssertEqual(over.status, 413)
        XCTAssertTrue((try problem(over)["detail"] as? String ?? "").contains("1000 bytes"), over.text)
        // The upload limit is the routes' own: other routes keep the server's body limit.
        let exactly = try upload("/datasets", Data(repeating: 0x41, count: 1000))
        XCTAssertEqual(exactly.status, 422, "a body of exactly the limit is read (and refused for what it is)")
        XCTAssertEqual(storedFiles(), [])
    }

    func testCSVAndNPZUploadsNameTheDataOfASweep() throws {
        try startService()
        func csv(_ rows: Int, seed: Int) -> Data {
            var text = "f0,f1,f2,f3,y\n"
            for i in 0..<rows {
                let label = (i * 7 + seed) % 3
                let features = (0..<4).map { j in String(Double(label * 2 + (j == label ? 3 : 0)) + Double((i * 13 + j * 5 + seed) % 10) / 10) }
                text += features.joined(separator: ",") + ",\(label)\n"
            }
            return Data(text.utf8)
        }
        let train = try uploadedID(try upload("/datasets?label_column=y", csv(90, seed: 1)))
        let testResponse = try upload("/datasets?label_column=y", csv(30, seed: 2))
        let test = try uploadedID(testResponse)
        let summary = try XCTUnwrap(try testResponse.json()["dataset"] as? [String: Any])
        XCTAssertEqual(summary["columns"] as? [String], ["f0", "f1", "f2", "f3", "y"])
        XCTAssertEqual(summary["label_column"] as? String, "y")
        XCTAssertEqual(summary["samples"] as? Int, 30)
        XCTAssertEqual(summary["features"] as? Int, 4)
        XCTAssertEqual(summary["classes"] as? Int, 3)

        let fields = "\"pruning\": {\"methods\": [\"weight\"], \"sparsities\": [0, 50]}, \"model\": {\"hidden\": [8]}, \"training\": {\"epochs\": 2}"
        let job = try submit("{\"dataset\": {\"name\": \"csv\", \"train_uploaded\": \"\(train)\", \"test_uploaded\": \"\(test)\", \"label_column\": \"y\"}, \(fields)}")
        let finished = try waitForJob(job, ["succeeded", "failed"])
        XCTAssertEqual(finished["state"] as? String, "succeeded", "\(finished["error"] ?? "")")

        // The label column the file was checked with is the one the spec must read it with.
        let otherLabel = try client.post("/jobs", json: "{\"dataset\": {\"name\": \"csv\", \"train_uploaded\": \"\(train)\", \"test_uploaded\": \"\(test)\"}, \(fields)}")
        XCTAssertEqual(otherLabel.status, 422)
        XCTAssertEqual(Set((try problem(otherLabel)["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? []),
                       ["/dataset/train_uploaded", "/dataset/test_uploaded"])
        // A CSV upload is not an .npz, and an npz names no CSV: each field takes its format.
        let wrongFormat = try client.post("/jobs", json: "{\"dataset\": {\"uploaded\": \"\(train)\"}, \(fields)}")
        XCTAssertEqual(wrongFormat.status, 422)
        XCTAssertTrue(try problem(wrongFormat)["detail"] as? String ?? "" == "/dataset/uploaded: names an uploaded csv file; this field takes a npz one")
        // Neither a path nor an upload for npz: the schema's rule, at the path.
        let neither = try client.post("/jobs", json: "{\"dataset\": {\"name\": \"npz\"}}")
        XCTAssertEqual(neither.status, 400)
        XCTAssertEqual((try problem(neither)["errors"] as? [[String: Any]])?.first?["pointer"] as? String, "/dataset/path")
        XCTAssertEqual(try client.get("/datasets").json()["uploads"].map { ($0 as? [Any])?.count }, 2)
    }
}

/// The digest uploads are named by, against FIPS 180-4's examples.
final class SHA256DigestTests: XCTestCase {
    func testKnownDigests() throws {
        XCTAssertEqual(SHA256.hex(of: []), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // A million a's, read from a file in pieces (blocks split across reads).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: file)
        XCTAssertEqual(try SHA256.hex(ofFile: file), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
