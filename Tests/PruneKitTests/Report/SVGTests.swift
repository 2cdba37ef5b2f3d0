import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import PruneKit

/// Parses `svg` as XML (failing the test if it is not well-formed) and returns the root element.
func parseSVG(_ svg: String, file: StaticString = #filePath, line: UInt = #line) throws -> XMLElement {
    let document = try XMLDocument(xmlString: svg, options: [])
    let root = try XCTUnwrap(document.rootElement(), file: file, line: line)
    XCTAssertEqual(root.name, "svg", file: file, line: line)
    return root
}

extension XMLElement {
    /// Every descendant element named `name` (any depth), in document order.
    func descendants(_ name: String) -> [XMLElement] {
        var found: [XMLElement] = []
        for child in children ?? [] {
            guard let element = child as? XMLElement else { continue }
            if element.name == name { found.append(element) }
            found += element.descendants(name)
        }
        return found
    }

    /// The attribute's value. (On Linux `attribute(forName:)` misses attributes of elements in a default namespace.)
    func value(_ attribute: String) -> String? { attributes?.first { $0.name == attribute }?.stringValue }

    func hasClass(_ name: String) -> Bool { (value("class") ?? "").split(separator: " ").contains { $0 == name } }
}

final class SVGTests: XCTestCase {
    func testEscapesMarkupCharacters() {
        XCTAssertEqual(SVG.escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;")
    }

    func testDropsControlCharactersXMLForbids() {
        XCTAssertEqual(SVG.escape("x\u{0}y\u{1B}z\tw\n"), "xyz\tw\n")
    }

    func testNumbersAreShortAndFinite() {
        XCTAssertEqual(SVG.format(12), "12")
        XCTAssertEqual(SVG.format(12.3456), "12.35")
        XCTAssertEqual(SVG.format(-0.5), "-0.5")
        XCTAssertEqual(SVG.format(.nan), "0")
        XCTAssertEqual(SVG.format(.infinity), "0")
    }

    func testHostileTitleStaysTextInAWellFormedDocument() throws {
        let title = "<script>alert(\"x\")</script> & ]]> \u{7}"
        let svg = SVGElement.document(width: 100, height: 50, title: title, children: [SVG.text(title, x: 1, y: 2)])
        let root = try parseSVG(svg)
        XCTAssertTrue(root.descendants("script").isEmpty)
        XCTAssertEqual(root.descendants("title").first?.stringValue, "<script>alert(\"x\")</script> & ]]> ")
        XCTAssertEqual(root.descendants("text").first?.stringValue, "<script>alert(\"x\")</script> & ]]> ")
    }

    func testDocumentIsStandaloneSVG() throws {
        let root = try parseSVG(SVGElement.document(width: 320, height: 200, title: "t", children: []))
        XCTAssertEqual(root.uri ?? root.value("xmlns"), "http://www.w3.org/2000/svg")
        XCTAssertEqual(root.value("viewBox"), "0 0 320 200")
    }
}
