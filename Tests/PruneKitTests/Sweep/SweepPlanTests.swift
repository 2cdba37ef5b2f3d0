import Foundation
import XCTest
@testable import PruneKit

final class SweepPlanTests: XCTestCase {
    private func spec(_ pruning: PruningSpec, repeats: Int = 1) -> SweepSpec {
        var spec = tinySweep(repeats: repeats)
        spec.pruning = pruning
        return spec
    }

    func testOneShotHasALinePerRepeatMethodAndSparsity() {
        let spec = tinySweep(repeats: 2)
        let plan = SweepPlan(spec: spec)
        XCTAssertEqual(plan.units.prefix(2).map(\.key), ["train/r0", "train/r1"])
        XCTAssertTrue(plan.units.prefix(2).allSatisfy { $0.dependencies.isEmpty && $0.points.isEmpty })
        XCTAssertEqual(plan.lines.map(\.key), [0, 1].flatMap { r in
            ["weight", "unit"].flatMap { m in ["0", "50", "90"].map { "line/r\(r)/\(m)/all/\($0)" } }
        })
        for line in plan.lines {
            XCTAssertEqual(line.dependencies, ["train/r\(line.repeatIndex ?? -1)"], line.key)
            XCTAssertEqual(line.points.count, 1, line.key)
        }
        XCTAssertEqual(plan.lines[4].points, [SweepPoint(method: .unit, targetSparsity: 50, repeatIndex: 0)])
        XCTAssertEqual(plan.units.last?.key, "reports")
        XCTAssertEqual(plan.units.last?.dependencies, plan.lines.map(\.key))
        // The lines hold every point once, in results.csv's order.
        XCTAssertEqual(plan.lines.flatMap(\.points), spec.points)
        XCTAssertEqual(Set(plan.units.map(\.key)).count, plan.units.count, "keys are unique")
        XCTAssertEqual(SweepPlan(spec: spec), plan, "the same spec gives the same plan")
    }

    func testControlsBelongToTheirPointsLine() {
        let plan = SweepPlan(spec: spec(PruningSpec(methods: [.weight], sparsities: [97.5], finetuneEpochs: 1,
                                                    controls: [.randomReinit, .smallDense])))
        XCTAssertEqual(plan.lines.map(\.key), ["line/r0/weight/all/97.5"])
        XCTAssertEqual(plan.lines[0].points.map(\.variant), [.pruned, .randomReinit, .smallDense])
    }

    func testIterativeLineIsTheWholeChainInIncreasingOrder() {
        let iterative = spec(PruningSpec(methods: [.weight, .unit], sparsities: [50, 20, 80], schedule: .iterative), repeats: 2)
        let plan = SweepPlan(spec: iterative)
        XCTAssertEqual(plan.lines.map(\.key), ["line/r0/weight/all", "line/r0/unit/all", "line/r1/weight/all", "line/r1/unit/all"])
        XCTAssertEqual(plan.lines[3].points.map(\.targetSparsity), [20, 50, 80])
        XCTAssertEqual(plan.lines[3].dependencies, ["train/r1"])
        XCTAssertEqual(plan.lines.flatMap(\.points), iterative.points)
    }

    func testEachLayerScopeHasALinePerLayer() {
        // 16-16-8-4: weight methods prune layers 0 and 1 (the last is spared), unit methods the two hidden layers.
        let each = spec(PruningSpec(methods: [.weight, .unit], sparsities: [50], scope: .eachLayer))
        let plan = SweepPlan(spec: each)
        XCTAssertEqual(plan.lines.map(\.key), ["line/r0/weight/layer0/50", "line/r0/weight/layer1/50",
                                               "line/r0/unit/layer0/50", "line/r0/unit/layer1/50"])
        XCTAssertEqual(plan.lines[1].points, [SweepPoint(method: .weight, targetSparsity: 50, repeatIndex: 0, layer: 1)])
        XCTAssertEqual(plan.lines.flatMap(\.points), each.points)
        let chains = SweepPlan(spec: spec(PruningSpec(methods: [.unit], sparsities: [20, 50], schedule: .iterative, scope: .eachLayer)))
        XCTAssertEqual(chains.lines.map(\.key), ["line/r0/unit/layer0", "line/r0/unit/layer1"])
        XCTAssertEqual(chains.lines[1].points.map(\.targetSparsity), [20, 50])
    }

    func testShardsSplitTheLinesIntoContiguousNearlyEqualRuns() {
        let plan = SweepPlan(spec: tinySweep(repeats: 3))
        for count in 1...15 {
            let shards = (0..<count).map { plan.lines(ofShard: $0, of: count) }
            XCTAssertEqual(shards.flatMap { $0 }, plan.lines, "\(count) shards cover every line once, in order")
            let sizes = shards.map(\.count)
            XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "\(count): \(sizes)")
        }
        XCTAssertEqual(plan.lines(ofShard: 4, of: 4), [])
        // 18 lines in 6 shards: each shard's lines lie in one repeat, so it trains one network.
        for index in 0..<6 {
            XCTAssertEqual(plan.trainings(for: plan.lines(ofShard: index, of: 6)).map(\.key), ["train/r\(index / 2)"])
        }
    }
}
