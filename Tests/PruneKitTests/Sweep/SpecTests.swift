import Foundation
import XCTest
@testable import PruneKit

final class SpecTests: XCTestCase {
    private func parse(_ json: String) throws -> SweepSpec { try SweepSpec.parse(Data(json.utf8)) }

    /// The field errors of an invalid spec (fails the test if it parses).
    private func errors(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> [SpecFieldError] {
        do {
            _ = try parse(json)
            XCTFail("\(json) parsed", file: file, line: line)
            return []
        } catch let error as SpecValidationError {
            return error.errors
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return []
        }
    }

    private func pointers(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        errors(json, file: file, line: line).map(\.pointer)
    }

    func testEmptyObjectIsTheReferenceExperiment() throws {
        let spec = try parse("{}")
        XCTAssertEqual(spec, .reference)
        XCTAssertEqual(spec.dataset.name, .fashionMNIST)
        XCTAssertEqual(spec.model.hidden, [1000, 1000, 500, 200])
        XCTAssertFalse(spec.model.bias)
        XCTAssertEqual(spec.training.epochs, 5)
        XCTAssertEqual(spec.training.batchSize, 64)
        XCTAssertEqual(spec.training.optimizer, .adam)
        XCTAssertEqual(spec.training.learningRate, 0.001)
        XCTAssertEqual(spec.pruning.methods, [.weight, .unit])
        XCTAssertEqual(spec.pruning.sparsities, [0, 25, 50, 60, 70, 80, 90, 95, 97, 99])
        XCTAssertEqual(spec.repeats, 1)
    }

    func testTheDesignExampleParses() throws {
        let spec = try parse("""
            {"name": "seed on fashion-mnist", "dataset": {"name": "fashion-mnist", "train_limit": 1000, "test_limit": 200},
             "model": {"hidden": [300, 100], "bias": true},
             "training": {"epochs": 3, "batch_size": 128, "optimizer": "sgd", "learning_rate": 0.05, "momentum": 0.5, "seed": 9},
             "pruning": {"methods": ["global-weight", "random-unit"], "sparsities": [10, 99.5],
                         "prune_last_layer": true, "finetune_epochs": 2},
             "repeats": 3}
            """)
        XCTAssertEqual(spec.name, "seed on fashion-mnist")
        XCTAssertEqual(spec.dataset.trainLimit, 1000)
        XCTAssertEqual(spec.dataset.testLimit, 200)
        XCTAssertEqual(spec.model, ModelSpec(hidden: [300, 100], bias: true))
        XCTAssertEqual(spec.training, TrainingSpec(epochs: 3, batchSize: 128, optimizer: .sgd, learningRate: 0.05, momentum: 0.5, seed: 9))
        XCTAssertEqual(spec.pruning, PruningSpec(methods: [.globalWeight, .randomUnit], sparsities: [10, 99.5],
                                                 pruneLastLayer: true, finetuneEpochs: 2))
        XCTAssertEqual(spec.repeats, 3)
    }

    func testResolvedSpecRoundTripsThroughCodable() throws {
        let spec = try parse(#"{"dataset": {"path": "/data/mnist"}, "pruning": {"finetune_epochs": 1}}"#)
        XCTAssertEqual(spec.dataset.name, .idx)
        let decoded = try JSONDecoder().decode(SweepSpec.self, from: JSONEncoder().encode(spec))
        XCTAssertEqual(decoded, spec)
    }

    func testEveryUnknownFieldIsNamed() {
        XCTAssertEqual(pointers(#"{"epochs": 3, "model": {"depth": [1]}, "pruning": {"method": "weight"}}"#),
                       ["/epochs", "/model/depth", "/pruning/method"])
    }

    func testUnknownFieldNamesAreEscapedAsJSONPointers() {
        XCTAssertEqual(pointers(#"{"a/b~c": 1}"#), ["/a~1b~0c"])
    }

    func testOutOfRangeValuesNameTheFieldAndTheRange() {
        let found = errors("""
            {"training": {"epochs": 201, "batch_size": 0, "learning_rate": 0, "momentum": 1, "optimizer": "rmsprop"},
             "repeats": 21}
            """)
        XCTAssertEqual(Set(found.map(\.pointer)), ["/training/epochs", "/training/batch_size", "/training/learning_rate",
                                                  "/training/momentum", "/training/optimizer", "/repeats"])
        let byPointer = Dictionary(uniqueKeysWithValues: found.map { ($0.pointer, $0.detail) })
        XCTAssertEqual(byPointer["/training/epochs"], "must be from 0 to 200, got 201")
        XCTAssertEqual(byPointer["/training/optimizer"], "must be one of adam, sgd, got \"rmsprop\"")
        XCTAssertEqual(byPointer["/repeats"], "must be from 1 to 20, got 21")
    }

    func testWrongTypesAreRefused() {
        XCTAssertEqual(Set(pointers(#"{"repeats": true, "name": 5, "model": {"bias": 1, "hidden": [10, "x", 2.5]}, "training": {"epochs": 1.5}}"#)),
                       ["/repeats", "/name", "/model/bias", "/model/hidden/1", "/model/hidden/2", "/training/epochs"])
        XCTAssertEqual(pointers(#"{"pruning": []}"#), ["/pruning"])
    }

    func testSparsitiesAndMethodsAreChecked() {
        XCTAssertEqual(pointers(#"{"pruning": {"sparsities": [50, 100, -1, 50]}}"#),
                       ["/pruning/sparsities/1", "/pruning/sparsities/2", "/pruning/sparsities/3"])
        XCTAssertEqual(pointers(#"{"pruning": {"methods": ["weight", "magic", "weight"]}}"#),
                       ["/pruning/methods/1", "/pruning/methods/2"])
        XCTAssertEqual(pointers(#"{"pruning": {"methods": [], "sparsities": []}}"#), ["/pruning/methods", "/pruning/sparsities"])
    }

    func testDatasetRules() {
        XCTAssertEqual(pointers(#"{"dataset": {"name": "idx"}}"#), ["/dataset/path"])
        XCTAssertEqual(pointers(#"{"dataset": {"name": "synthetic", "path": "/x"}}"#), ["/dataset/path"])
        XCTAssertEqual(pointers(#"{"dataset": {"name": "cifar"}}"#), ["/dataset/name"])
        XCTAssertEqual(pointers(#"{"dataset": {"features": 10}}"#), ["/dataset/features"])
        XCTAssertEqual(pointers(#"{"dataset": {"train_limit": 0}}"#), ["/dataset/train_limit"])
    }

    func testTooLargeANetworkIsRefusedForTheDataItMeets() throws {
        let spec = try parse(#"{"model": {"hidden": [8192, 8192]}}"#)
        let found = spec.limitErrors(inputs: 784, classes: 10)
        XCTAssertEqual(found.map(\.pointer), ["/model/hidden"])
        XCTAssertTrue(found.first?.detail.contains("at most 50000000") ?? false, "\(found)")
        XCTAssertTrue(found.first?.detail.contains("784-8192-8192-10") ?? false, "\(found)")
        XCTAssertEqual(try parse(#"{"model": {"hidden": [100]}}"#).limitErrors(inputs: 784, classes: 10), [])
        XCTAssertEqual(pointers(#"{"model": {"hidden": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}}"#), ["/model/hidden"])
    }

    func testNullIsRefusedExceptWhereItMeansNone() throws {
        let found = errors(#"{"repeats": null, "training": {"epochs": null}, "dataset": null}"#)
        XCTAssertEqual(Set(found.map(\.pointer)), ["/repeats", "/training/epochs", "/dataset"])
        XCTAssertTrue(found.first { $0.pointer == "/repeats" }?.detail.contains("got null; leave the field out for the default, 1") ?? false, "\(found)")
        let spec = try parse(#"{"dataset": {"train_limit": null, "test_limit": 5}}"#)
        XCTAssertNil(spec.dataset.trainLimit)
        XCTAssertEqual(spec.dataset.testLimit, 5)
    }

    func testNonJSONAndNonObjectsAreRefusedAtTheRoot() {
        XCTAssertEqual(pointers("{"), [""])
        XCTAssertEqual(pointers("[1, 2]"), [""])
        XCTAssertTrue(SpecValidationError(errors: errors("42")).description.hasPrefix("/: must be an object"))
    }

    func testParameterCountIncludesBiases() {
        var spec = SweepSpec(model: ModelSpec(hidden: [3]))
        XCTAssertEqual(spec.parameterCount(inputs: 4, classes: 2), 4 * 3 + 3 * 2)
        spec.model.bias = true
        XCTAssertEqual(spec.parameterCount(inputs: 4, classes: 2), 4 * 3 + 3 + 3 * 2 + 2)
    }

    func testFolderNames() {
        XCTAssertEqual(SweepSpec(name: "Seed on Fashion-MNIST").folderName, "seed-on-fashion-mnist")
        XCTAssertEqual(SweepSpec(name: "../../etc/passwd").folderName, "etc-passwd")
        XCTAssertEqual(SweepSpec(name: "  ").folderName, "sweep")
        XCTAssertEqual(SweepSpec(name: "v1.2_final").folderName, "v1.2_final")
        XCTAssertEqual(SweepSpec(name: String(repeating: "a", count: 100)).folderName.count, 64)
        XCTAssertEqual(SweepSpec.reference.folderName, "seed")
    }

    /// spec.json and GET /jobs/{id} show the resolved spec, every field at its value or default;
    /// sent again as it is (a re-run, `prunelab run OUT/spec.json`) it is the same spec.
    func testAResolvedSpecIsValidInputAndParsesToItself() throws {
        var specs = try Preset.all.map { try $0.spec }
        specs.append(try SweepSpec.parse(Data(#"{"dataset": {"name": "synthetic", "features": 784}, "pruning": {"schedule": "gradual", "gradual": {"every_steps": 7}}}"#.utf8)))
        specs.append(try SweepSpec.parse(Data(#"{"dataset": {"name": "csv", "train": "a.csv", "test": "b.csv", "label_column": "y"}}"#.utf8)))
        for spec in specs {
            let document = try JSONValue.parse(JSONEncoder().encode(spec))
            XCTAssertEqual(try SweepSpec.parse(document), spec, spec.name)
        }
    }

    func testAFieldOutsideItsConditionIsRefusedUnlessAtItsDefault() {
        XCTAssertThrowsError(try SweepSpec.parse(Data(#"{"dataset": {"features": 784}}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("/dataset/features"), "\(error)")
            XCTAssertTrue("\(error)".contains("at its default, 64"), "\(error)")
        }
        XCTAssertNoThrow(try SweepSpec.parse(Data(#"{"dataset": {"features": 64, "label_column": "label"}}"#.utf8)))
    }
}
