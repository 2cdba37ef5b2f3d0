import XCTest
@testable import PruneKit

/// A row with every field set to something distinctive.
func sampleRow(method: PruningMethod = .weight, sparsity: Double = 80, repeatIndex: Int = 0, accuracy: Double = 0.875,
               loss: Double = 0.35, finetuned: Bool = false, dense: Double = 0.5, pruned: Double = 0.125) -> ResultRow {
    ResultRow(method: method, targetSparsity: sparsity, repeatIndex: repeatIndex, seed: 7 + repeatIndex,
              achievedSparsity: sparsity / 100 * 0.99, layerSparsity: [sparsity / 100, sparsity / 100, 0],
              accuracy: accuracy, loss: loss,
              accuracyBeforeFinetune: finetuned ? accuracy - 0.1 : nil, lossBeforeFinetune: finetuned ? loss + 0.2 : nil,
              nonzeroParameters: 1234, totalParameters: 5678, denseSeconds: dense, prunedSeconds: pruned,
              kernel: method.removesUnits ? .shrunk : .csr, host: "node-7", cpu: "Test CPU, 2.5 GHz")
}

final class ResultsCSVTests: XCTestCase {
    func testHeaderIsTheDocumentedOne() {
        XCTAssertEqual(ResultsCSV.encode([]), """
            method,target_sparsity,repeat,seed,achieved_sparsity,layer_sparsity,accuracy,loss,accuracy_before_finetune,\
            loss_before_finetune,nonzero_parameters,total_parameters,dense_seconds,pruned_seconds,kernel,\
            schedule,step,variant,layer,epochs_trained,compression_ratio,macs,dense_macs,dead_units,layer_dead_units,train_seconds,host,cpu

            """)
    }

    func testRowIsWrittenInColumnOrder() {
        let line = ResultsCSV.encode([sampleRow(finetuned: true)]).split(separator: "\n")[1]
        XCTAssertEqual(line, "weight,80.0,0,7,0.792,0.8;0.8;0.0,0.875,0.35,0.775,0.55,1234,5678,0.5,0.125,csr,one-shot,,pruned,,,,,,,,,node-7,\"Test CPU, 2.5 GHz\"")
        var lottery = sampleRow()
        lottery.schedule = .iterative
        lottery.step = 3
        lottery.variant = .randomReinit
        lottery.layer = 1
        lottery.epochsTrained = 9
        lottery.compressionRatio = 4.5
        lottery.macs = 1200
        lottery.denseMacs = 5400
        lottery.deadUnits = 3
        lottery.layerDeadUnits = [1, 2]
        lottery.trainSeconds = 1.25
        XCTAssertTrue(ResultsCSV.encode([lottery]).hasSuffix(",csr,iterative,3,random-reinit,1,9,4.5,1200,5400,3,1;2,1.25,node-7,\"Test CPU, 2.5 GHz\"\n"))
        XCTAssertEqual(try ResultsCSV.decode(ResultsCSV.encode([lottery])), [lottery])
    }

    func testFilesOfTheFirstFormatStillReadAsOneShotRows() throws {
        let old = ResultsCSV.firstHeader.joined(separator: ",") + "\n"
            + "weight,80.0,0,7,0.792,0.8;0.8;0.0,0.875,0.35,0.775,0.55,1234,5678,0.5,0.125,csr\n"
        let rows = try ResultsCSV.decode(old)
        var expected = sampleRow(finetuned: true)
        expected.host = nil
        expected.cpu = nil
        XCTAssertEqual(rows, [expected])
        XCTAssertEqual(rows[0].schedule, .oneShot)
        XCTAssertEqual(rows[0].variant, .pruned)
        XCTAssertNil(rows[0].layer)
        XCTAssertNil(rows[0].epochsTrained)
        // A short line in an old file is refused against the old column count.
        XCTAssertThrowsError(try ResultsCSV.decode(old + "weight,80\n")) { error in
            XCTAssertEqual(error as? ResultsCSV.FormatError, ResultsCSV.FormatError(line: 3, column: nil, detail: "expected 15 fields, got 2"))
        }
    }

    func testRowsReadBackExactlyIncludingAwkwardDoubles() throws {
        var rows = [sampleRow(), sampleRow(method: .unit, sparsity: 97.5, repeatIndex: 3, finetuned: true),
                    sampleRow(method: .globalWeight, sparsity: 0)]
        rows[0].accuracy = 0.1 + 0.2                      // 0.30000000000000004
        rows[0].loss = 1e-300
        rows[1].denseSeconds = 123456789.123456789
        rows[2].layerSparsity = []
        rows[2].prunedSeconds = .ulpOfOne
        XCTAssertEqual(try ResultsCSV.decode(ResultsCSV.encode(rows)), rows)
    }

    func testEveryMethodRoundTrips() throws {
        let rows = PruningMethod.allCases.map { sampleRow(method: $0) }
        XCTAssertEqual(try ResultsCSV.decode(ResultsCSV.encode(rows)).map(\.method), PruningMethod.allCases)
    }

    func testEmptyFileHasNoRows() throws {
        XCTAssertEqual(try ResultsCSV.decode(""), [])
    }

    func testWrongHeaderIsRefused() {
        XCTAssertThrowsError(try ResultsCSV.decode("method,accuracy\nweight,0.5\n")) { error in
            XCTAssertEqual((error as? ResultsCSV.FormatError)?.line, 1)
            XCTAssertTrue("\(error)".contains("header"), "\(error)")
        }
    }

    func testMissingFieldNamesTheLine() {
        let text = ResultsCSV.encode([sampleRow()]) + "weight,80\n"
        XCTAssertThrowsError(try ResultsCSV.decode(text)) { error in
            XCTAssertEqual(error as? ResultsCSV.FormatError,
                           ResultsCSV.FormatError(line: 3, column: nil, detail: "expected 28 fields, got 2"))
        }
    }

    func testBadValuesNameLineAndColumn() {
        let good = ResultsCSV.fields(sampleRow())
        let cases: [(Int, String, String)] = [(0, "pruning", "method"), (2, "one", "repeat"), (6, "high", "accuracy"),
                                              (5, "0.5;x", "layer_sparsity"), (10, "1.5", "nonzero_parameters"),
                                              (8, "n/a", "accuracy_before_finetune"), (15, "twice", "schedule"),
                                              (16, "2.5", "step"), (17, "control", "variant"), (18, "first", "layer"),
                                              (24, "1;x", "layer_dead_units"), (25, "soon", "train_seconds")]
        for (index, value, column) in cases {
            var fields = good
            fields[index] = value
            let text = CSV.encode([ResultsCSV.header, good, fields])
            XCTAssertThrowsError(try ResultsCSV.decode(text), column) { error in
                let formatError = error as? ResultsCSV.FormatError
                XCTAssertEqual(formatError?.line, 3, column)
                XCTAssertEqual(formatError?.column, column)
                XCTAssertTrue("\(error)".contains("\"\(value.split(separator: ";").last!)\""), "\(error)")
            }
        }
    }

    func testBrokenQuotingIsReportedAsAFormatError() {
        let text = ResultsCSV.encode([sampleRow()]) + "\"weight,80\n"
        XCTAssertThrowsError(try ResultsCSV.decode(text)) { error in
            XCTAssertEqual((error as? ResultsCSV.FormatError)?.line, 3)
        }
    }
}

final class ResultsFormatTests: XCTestCase {
    func testEachHeaderNamesItsFormat() {
        XCTAssertEqual(ResultsCSV.formatVersion(ofHeader: ResultsCSV.firstHeader), 1)
        XCTAssertEqual(ResultsCSV.formatVersion(ofHeader: ResultsCSV.scheduleHeader), 2)
        XCTAssertEqual(ResultsCSV.formatVersion(ofHeader: ResultsCSV.header), FormatVersion.results)
        XCTAssertEqual(ResultsCSV.header.suffix(2), ["host", "cpu"])
        XCTAssertNil(ResultsCSV.formatVersion(ofHeader: ResultsCSV.header + ["extra"]))
    }

    func testARowMadeHereRecordsThisMachine() {
        let row = ResultRow(method: .weight, targetSparsity: 0, repeatIndex: 0, seed: 0, achievedSparsity: 0, layerSparsity: [],
                            accuracy: 1, loss: 0, nonzeroParameters: 1, totalParameters: 1, denseSeconds: 1, prunedSeconds: 1, kernel: .dense)
        XCTAssertEqual(row.host, MachineIdentity.current.host)
        XCTAssertEqual(row.cpu, MachineIdentity.current.cpu)
        XCTAssertFalse(MachineIdentity.current.host.isEmpty)
        XCTAssertFalse(MachineIdentity.current.cpu.isEmpty)
    }

    func testFilesOfTheSecondFormatReadWithoutHostOrCPU() throws {
        var row = sampleRow()
        row.trainSeconds = 0.5
        let old = CSV.encode([ResultsCSV.scheduleHeader, Array(ResultsCSV.fields(row).prefix(ResultsCSV.scheduleHeader.count))])
        var expected = row
        expected.host = nil
        expected.cpu = nil
        XCTAssertEqual(try ResultsCSV.decode(old), [expected])
        // Written again, the columns are there and empty: not recorded, rather than this machine.
        XCTAssertTrue(ResultsCSV.encode([expected]).hasSuffix(",0.5,,\n"))
    }

    func testSingleLinesReadBackAsTheRowsOfAFile() throws {
        // The cpu field holds a comma: a line quotes it as the file does.
        let rows = [sampleRow(), sampleRow(method: .unit, sparsity: 97.5, repeatIndex: 3, finetuned: true)]
        let lines = rows.map(ResultsCSV.line)
        XCTAssertEqual(lines.joined(separator: "\n") + "\n", String(ResultsCSV.encode(rows).drop { $0 != "\n" }.dropFirst()))
        XCTAssertFalse(lines.contains { $0.contains("\n") })
        XCTAssertEqual(try ResultsCSV.decode(lines: lines), rows)
        XCTAssertEqual(try ResultsCSV.decode(lines: []), [])
    }

    func testABadLineIsNamedByItsPlaceAmongTheLines() {
        XCTAssertThrowsError(try ResultsCSV.decode(lines: [ResultsCSV.line(sampleRow()), "weight,80"])) { error in
            XCTAssertEqual(error as? ResultsCSV.FormatError,
                           ResultsCSV.FormatError(line: 2, column: nil, detail: "expected 28 fields, got 2"))
        }
    }
}
