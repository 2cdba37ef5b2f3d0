import Foundation
import XCTest

/// PruneKit's folders follow the data's way, and a folder uses only the folders before it:
/// a file that names a type declared in a later folder fails here.
final class LayeringTests: XCTestCase {
    static let order = ["Support", "Data", "Tensor", "Model", "Pruning", "Sweep", "Report", "Bench"]

    /// The engine's tests sit in folders named as the source folders they test.
    func testTestFoldersMirrorSourceFolders() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        var isFolder: ObjCBool = false
        let folders = try FileManager.default.contentsOfDirectory(atPath: tests.path).filter {
            FileManager.default.fileExists(atPath: tests.appendingPathComponent($0).path, isDirectory: &isFolder) && isFolder.boolValue
        }
        XCTAssertEqual(Set(folders), Set(Self.order))
    }

    func testNoFolderUsesATypeFromAFolderAfterIt() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/PruneKit")
        let declaration = try NSRegularExpression(pattern: #"^(?:public |package |internal |final |indirect )*(?:struct|enum|class|protocol|typealias|actor)\s+(\w+)"#,
                                                  options: .anchorsMatchLines)
        var files: [(folder: Int, name: String, text: String)] = []
        var owner: [String: Int] = [:]
        for (index, folder) in Self.order.enumerated() {
            let url = root.appendingPathComponent(folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".swift") }
            XCTAssertFalse(names.isEmpty, "no Swift files in \(folder)")
            for name in names {
                let text = try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
                    .split(separator: "\n").map { $0.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "" }.joined(separator: "\n")
                files.append((index, "\(folder)/\(name)", text))
                for match in declaration.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    if let range = Range(match.range(at: 1), in: text) { owner[String(text[range])] = index }
                }
            }
        }
        let folders = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(Set(folders), Set(Self.order), "a PruneKit folder is missing from the order")
        for file in files {
            for (type, folder) in owner where folder > file.folder {
                let uses = try NSRegularExpression(pattern: "\\b\(type)\\b")
                if uses.firstMatch(in: file.text, range: NSRange(file.text.startIndex..., in: file.text)) != nil {
                    XCTFail("\(file.name) uses \(type) from \(Self.order[folder])/, which comes after it")
                }
            }
        }
    }
}
