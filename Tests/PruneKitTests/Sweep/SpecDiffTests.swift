import Foundation
import XCTest
@testable import PruneKit

final class SpecDiffTests: XCTestCase {
    func testDifferingFieldsAreNamedByPointerWithBothValues() throws {
        var a = SweepSpec(), b = SweepSpec()
        b.training.seed = 3
        b.pruning.sparsities = [0, 50]
        b.name = "other"
        let differences = SpecDiff.differences(a, b)
        XCTAssertEqual(differences.map(\.pointer), ["/name", "/pruning/sparsities", "/training/seed"])
        XCTAssertEqual(differences[2].left, .int(0))
        XCTAssertEqual(differences[2].right, .int(3))
        XCTAssertEqual(differences[1].right, .array([.number(0), .number(50)]), "a list is compared whole")
        XCTAssertEqual(SpecDiff.differences(a, a), [])
        a.pruning.rewind = .initialization
        a.pruning.schedule = .iterative
        let unset = try XCTUnwrap(SpecDiff.differences(a, SweepSpec()).first { $0.pointer == "/pruning/rewind" })
        XCTAssertNil(unset.right, "a field one spec leaves unset")
        let document = SpecDiff.document(names: ("A", "B"), differences: differences)
        XCTAssertEqual(document["jobs"], ["A", "B"])
        guard case .array(let list)? = document["differences"] else { return XCTFail("differences is a list") }
        XCTAssertEqual(list.last, .object(["pointer": "/training/seed", "a": 0, "b": 3]))
        XCTAssertTrue(SpecDiff.text(differences).contains("/training/seed: 0 -> 3"))
    }

    func testPointerTokensAreEscaped() {
        let differences = JSONValue.differences(.object(["a/b": 1, "c~": ["d": 1]]), .object(["a/b": 2, "c~": ["d": 1]]))
        XCTAssertEqual(differences.map(\.pointer), ["/a~1b"])
        XCTAssertEqual(JSONValue.differences(.object(["x": ["y": true]]), .object([:])).map(\.pointer), ["/x"])
    }
}
