import XCTest
@testable import PruneKit

final class PresetTests: XCTestCase {
    /// Every preset parses, runs its schedule with its methods, and is named after itself.
    func testEveryPresetIsAValidRunnableSpec() throws {
        XCTAssertEqual(Set(Preset.all.map(\.name)).count, Preset.all.count, "a name is used twice")
        for preset in Preset.all {
            let spec = try preset.spec
            XCTAssertEqual(spec.name, preset.name)
            XCTAssertEqual(spec.refusals(), [], preset.name)
            XCTAssertFalse(preset.summary.isEmpty || preset.reproduces.isEmpty, preset.name)
        }
        XCTAssertEqual(try XCTUnwrap(Preset.named("seed")).spec, SweepSpec.reference)
        XCTAssertNil(Preset.named("nope"))
    }

    func testLotteryPresetIsTheClassicSetup() throws {
        let spec = try XCTUnwrap(Preset.named("lottery-lenet300")).spec
        XCTAssertEqual(spec.model.hidden, [300, 100])
        XCTAssertEqual(spec.pruning.schedule, .iterative)
        XCTAssertEqual(spec.pruning.rewind, .initialization)
        XCTAssertEqual(spec.pruning.controls, [.randomReinit])
        XCTAssertEqual(spec.pruning.sparsities.count, 10)
        XCTAssertEqual(spec.repeats, 3)
    }
}
