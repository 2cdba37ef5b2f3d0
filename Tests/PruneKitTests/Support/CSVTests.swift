import XCTest
@testable import PruneKit

final class CSVTests: XCTestCase {
    func testPlainFieldsAreWrittenAsIs() {
        XCTAssertEqual(CSV.encode([["a", "b"], ["1", "2.5"]]), "a,b\n1,2.5\n")
    }

    func testFieldsWithCommasQuotesAndLineBreaksAreQuoted() {
        let text = CSV.encode([["x,y", "say \"hi\"", "two\nlines", "cr\rhere", ""]])
        XCTAssertEqual(text, "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",\n")
    }

    func testRoundTripOfAwkwardFields() throws {
        let records = [["", "\"", ",", "\n", "a\r\nb", " spaced ", "ünïcødé ✓"], ["", "", "", "", "", "", ""]]
        XCTAssertEqual(try CSV.decode(CSV.encode(records)), records)
    }

    func testCRLFLineEndingsAndMissingFinalNewline() throws {
        XCTAssertEqual(try CSV.decode("a,b\r\n1,2\r\n3,4"), [["a", "b"], ["1", "2"], ["3", "4"]])
    }

    func testBlankLinesAreSkippedButAQuotedEmptyFieldIsARecord() throws {
        XCTAssertEqual(try CSV.decode("a\n\n\nb\n"), [["a"], ["b"]])
        XCTAssertEqual(try CSV.decode("\"\"\n"), [[""]])
    }

    func testEmptyFieldsAtTheEdges() throws {
        XCTAssertEqual(try CSV.decode(",\n,x,\n"), [["", ""], ["", "x", ""]])
    }

    func testEmptyTextHasNoRecords() throws {
        XCTAssertEqual(try CSV.decode(""), [])
    }

    func testUnclosedQuoteIsAnErrorNamingTheLine() {
        XCTAssertThrowsError(try CSV.decode("a\n\"open\nstill open")) { error in
            XCTAssertEqual((error as? CSV.ParseError)?.line, 2, "the line where the quote opened")
            XCTAssertTrue("\(error)".contains("not closed"), "\(error)")
        }
    }

    func testQuoteInsideAnUnquotedFieldIsAnError() {
        XCTAssertThrowsError(try CSV.decode("ok\nab\"c\n")) { error in
            XCTAssertEqual(error as? CSV.ParseError, CSV.ParseError(line: 2, detail: "a quote inside an unquoted field (quote the whole field and double the quote)"))
        }
    }

    func testTextAfterAClosingQuoteIsAnError() {
        XCTAssertThrowsError(try CSV.decode("\"a\"b,c\n")) { error in
            XCTAssertEqual((error as? CSV.ParseError)?.line, 1)
        }
    }

    func testLoneCarriageReturnIsAnError() {
        XCTAssertThrowsError(try CSV.decode("a\rb\n")) { error in
            XCTAssertTrue("\(error)".contains("carriage return"), "\(error)")
        }
    }
}
