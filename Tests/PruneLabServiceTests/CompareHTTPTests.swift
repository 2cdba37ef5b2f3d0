import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PruneKit
@testable import PruneLabService
import XCTest

/// Comparing jobs and looking at where a point's network was cut, over HTTP.
final class CompareHTTPTests: ServiceTestCase {
    private func spec(name: String, seed: Int, repeats: Int) -> String {
        #"{"name": "\#(name)", "dataset": {"name": "synthetic", "train_size": 128, "test_size": 64, "features": 784, "classes": 4, "seed": 1}, "#
            + #""model": {"hidden": [8]}, "training": {"epochs": 1, "seed": \#(seed)}, "pruning": {"methods": ["weight", "unit"], "sparsities": [0, 50]}, "repeats": \#(repeats)}"#
    }

    private func pointers(_ response: LoopbackClient.Response) throws -> [String] {
        (try problem(response)["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? []
    }

    private func elements(_ svg: Data, _ name: String, class cssClass: String) throws -> [XMLElement] {
        let root = try XCTUnwrap(try XMLDocument(data: svg, options: []).rootElement())
        var found: [XMLElement] = []
        func walk(_ element: XMLElement) {
            for child in element.children ?? [] {
                guard let e = child as? XMLElement else { continue }
                if e.name == name, (e.attributes?.first { $0.name == "class" }?.stringValue ?? "").split(separator: " ").contains(Substring(cssClass)) { found.append(e) }
                walk(e)
            }
        }
        walk(root)
        return found
    }

    func testCompareDiffAndPointMasks() throws {
        try startService()
        let a = try submit(spec(name: "seed", seed: 0, repeats: 1))
        let b = try submit(spec(name: "seed", seed: 5, repeats: 2))
        try waitForJob(a, ["succeeded"])
        try waitForJob(b, ["succeeded"])

        // The overlay: a series per job × method, both jobs named (the same name, told apart by id).
        let chart = try client.get("/compare.svg?jobs=\(a),\(b)&metric=accuracy&x=compression")
        XCTAssertEqual(chart.status, 200, chart.text)
        XCTAssertEqual(chart.headers["content-type"], "image/svg+xml")
        let series = try elements(chart.body, "g", class: "series").compactMap { $0.attributes?.first { $0.name == "data-series" }?.stringValue }
        XCTAssertEqual(series, ["seed (\(a.prefix(8))) — weight", "seed (\(a.prefix(8))) — unit", "seed (\(b.prefix(8))) — weight", "seed (\(b.prefix(8))) — unit"])
        let rows = try ResultsCSV.decode(client.get("/jobs/\(a)/results.csv").text)
        let unit50 = try XCTUnwrap(rows.first { $0.method == .unit && $0.targetSparsity == 50 })
        let tips = try elements(chart.body, "circle", class: "point").compactMap { $0.children?.first?.stringValue }
        XCTAssertTrue(tips.contains { $0.contains(String(format: "accuracy %.2f%%", unit50.accuracy * 100)) && $0.contains("target sparsity 50%") }, "\(tips)")
        XCTAssertEqual(try client.get("/compare.svg?jobs=\(a)").status, 200, "defaults: accuracy against sparsity")

        let missing = "00000000-0000-4000-8000-000000000000"
        let unknown = try client.get("/compare.svg?jobs=\(a),\(missing)")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertTrue((try problem(unknown)["detail"] as? String ?? "").contains(missing))
        let bad = try client.get("/compare.svg?jobs=\(a)&metric=speed&x=time")
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(try pointers(bad), ["/metric", "/x"])
        XCTAssertEqual(try pointers(try client.get("/compare.svg")), ["/jobs"])
        XCTAssertEqual(try pointers(try client.get("/compare.svg?jobs=nope")), ["/jobs"])

        // The spec diff: the fields that differ, with both values.
        let diff = try client.get("/compare/diff?jobs=\(a),\(b)")
        XCTAssertEqual(diff.status, 200, diff.text)
        let body = try diff.json()
        XCTAssertEqual(body["jobs"] as? [String], [a, b])
        let differences = try XCTUnwrap(body["differences"] as? [[String: Any]])
        XCTAssertEqual(differences.compactMap { $0["pointer"] as? String }, ["/repeats", "/training/seed"])
        XCTAssertEqual(differences.last?["a"] as? Int, 0)
        XCTAssertEqual(differences.last?["b"] as? Int, 5)
        XCTAssertEqual(try pointers(try client.get("/compare/diff?jobs=\(a)")), ["/jobs"], "exactly two jobs")
        XCTAssertEqual(try client.get("/compare/diff?jobs=\(a),\(missing)").status, 404)

        // Where a point was cut: JSON for the page, the heat map and the histograms as SVG.
        let masks = try client.get("/jobs/\(b)/points/weight/50/masks.json?repeat=1")
        XCTAssertEqual(masks.status, 200, masks.text)
        let point = try masks.json()
        XCTAssertEqual(point["input_shape"] as? [Int], [28, 28])
        XCTAssertEqual(point["repeat"] as? Int, 1)
        XCTAssertEqual((point["input_kept"] as? [Double])?.count, 784)
        let layers = try XCTUnwrap(point["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.compactMap { $0["weights_total"] as? Int }, [784 * 8, 8 * 4])
        XCTAssertNotNil(point["trained_weights"] as? [[String: Any]])
        let bRows = try ResultsCSV.decode(client.get("/jobs/\(b)/results.csv").text)
        let row = try XCTUnwrap(bRows.first { $0.method == .weight && $0.targetSparsity == 50 && $0.repeatIndex == 1 })
        XCTAssertEqual(layers.compactMap { $0["weights_kept"] as? Int }.reduce(0, +), row.nonzeroParameters)

        let heat = try client.get("/jobs/\(b)/points/weight/50.0/masks.svg?repeat=1")
        XCTAssertEqual(heat.status, 200)
        let cells = try elements(heat.body, "rect", class: "cell")
        XCTAssertEqual(cells.compactMap { $0.attributes?.first { $0.name == "data-v" }?.stringValue }.compactMap(Double.init),
                       point["input_kept"] as? [Double])
        let weights = try client.get("/jobs/\(a)/points/unit/50/weights.svg")
        XCTAssertEqual(weights.status, 200)
        XCTAssertEqual(try elements(weights.body, "g", class: "stage").count, 2, "before and after, one prunable layer")
        XCTAssertEqual(try client.get("/jobs/\(a)/masks.svg").status, 200, "the sheet is an artifact")
        XCTAssertEqual(try client.get("/jobs/\(a)/masks.json").status, 200)

        XCTAssertEqual(try client.get("/jobs/\(a)/points/weight/50/masks.json?repeat=1").status, 404, "job a has one repeat")
        XCTAssertEqual(try client.get("/jobs/\(a)/points/weight/50/masks.svg?variant=small-dense").status, 404)
        XCTAssertEqual(try pointers(try client.get("/jobs/\(a)/points/pruneit/50/masks.svg?repeat=x&format=csr")), ["/method", "/repeat", "/format"])
        XCTAssertEqual(try client.get("/jobs/\(a)/points/weight/50/other.txt").status, 404)
        XCTAssertEqual(try client.get("/jobs/\(missing)/points/weight/50/masks.json").status, 404)
        XCTAssertEqual(try client.get("/jobs/\(a)/points/weight/50/model.safetensors").status, 200, "the export still answers")
    }
}
