import Foundation
import PruneKit
import XCTest
@testable import PruneLabService
import TestHelpers

/// /openapi.json is a valid OpenAPI 3.1 document and describes the routes the service has.
final class OpenAPITests: ServiceTestCase {
    func testDocumentPassesOpenAPISpecValidator() throws {
        try startService()
        let document = try client.get("/openapi.json")
        XCTAssertEqual(document.status, 200)
        XCTAssertEqual(try document.json()["openapi"] as? String, "3.1.0")
        let file = folder.url.appendingPathComponent("openapi.json")
        try document.body.write(to: file)

        let result = try PythonHelper.run("""
            import json
            from openapi_spec_validator import validate
            validate(json.load(open(sys.argv[1])))
            """, [file.path], module: "openapi_spec_validator")
        XCTAssertEqual(result.status, 0, "openapi-spec-validator refused the document:\n\(result.errors)")
    }

    /// Requests every operation of the document; each must answer with a status it documents
    /// (an undocumented route would give 404 or 405 instead).
    func testEveryDocumentedOperationAnswersWithADocumentedStatus() throws {
        try startService()
        let document = try client.get("/openapi.json").json()
        let id = try submit(TestSpecs.tinyJSON)
        try waitForJob(id, ["succeeded"])
        let paths = try XCTUnwrap(document["paths"] as? [String: [String: Any]])
        var operations = 0
        for (template, item) in paths.sorted(by: { $0.key < $1.key }) {
            let path = template.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{artifact}", with: "results.csv")
            for method in ["get", "post", "delete"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                operations += 1
                let documented = Set((operation["responses"] as? [String: Any] ?? [:]).keys)
                let response = method == "post"
                    ? try client.post(path, json: TestSpecs.tinyJSON)
                    : try client.send(method.uppercased(), path)
                XCTAssertTrue(documented.contains(String(response.status)),
                              "\(method.uppercased()) \(template) answered \(response.status), documented: \(documented.sorted())")
            }
        }
        XCTAssertEqual(operations, 25)
        // The documented artifact names are the runner's.
        let artifact = try XCTUnwrap((paths["/jobs/{id}/{artifact}"]?["parameters"] as? [[String: Any]])?
            .first { $0["name"] as? String == "artifact" })
        let choices = try XCTUnwrap((artifact["schema"] as? [String: Any])?["anyOf"] as? [[String: Any]])
        XCTAssertEqual(choices.first?["enum"] as? [String], SweepRunner.artifactNames)
        let pattern = try XCTUnwrap(choices.last?["pattern"] as? String)
        for name in SweepRunner.artifactNames(repeats: 3).dropFirst(SweepRunner.artifactNames.count) {
            XCTAssertNotNil(name.range(of: pattern, options: .regularExpression), "\(name) matches the documented pattern")
        }
    }
}
