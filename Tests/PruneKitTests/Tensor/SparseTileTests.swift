import XCTest
@testable import PruneKit

/// Row-major samples to feature-major tiles and back (the C transposes, each instruction set):
/// exact copies for any feature count (8 x 8 blocks and the rest) and any part of a tile.
final class SparseTileTests: XCTestCase {
    func testLoadPutsEachSamplesFeatureInItsLaneAndZeroesTheRest() {
        let width = SparseTile.width
        for instructionSet in KernelInstructionSet.supported {
            for features in [1, 7, 8, 9, 16, 23, 784] {
                for count in [1, 5, 8, width - 1, width] {
                    let rows = 3 + count
                    let matrix = (0..<rows * features).map { Float($0) + 0.5 }
                    let tile = SparseTile.allocate(features: features)
                    defer { UnsafeMutableRawPointer(tile).deallocate() }
                    let lanes = UnsafeMutableRawPointer(tile).assumingMemoryBound(to: Float.self)
                    lanes.update(repeating: .nan, count: features * width)
                    matrix.withUnsafeBufferPointer { m in
                        SparseTile.load(m.baseAddress!, features: features, first: 3, count: count, into: tile, instructionSet: instructionSet)
                    }
                    var wrong = 0
                    for feature in 0..<features {
                        for lane in 0..<width {
                            let expected: Float = lane < count ? matrix[(3 + lane) * features + feature] : 0
                            if lanes[feature * width + lane].bitPattern != expected.bitPattern { wrong += 1 }
                        }
                    }
                    XCTAssertEqual(wrong, 0, "\(features) features, \(count) samples, \(instructionSet)")
                }
            }
        }
    }

    func testStoreWritesOnlyTheTilesSamplesBack() {
        let width = SparseTile.width
        for instructionSet in KernelInstructionSet.supported {
            for features in [1, 3, 8, 10, 17, 200] {
                for count in [1, 7, 9, width] {
                    let tile = SparseTile.allocate(features: features)
                    defer { UnsafeMutableRawPointer(tile).deallocate() }
                    let lanes = UnsafeMutableRawPointer(tile).assumingMemoryBound(to: Float.self)
                    for i in 0..<features * width { lanes[i] = Float(i) - 7.25 }
                    let rows = count + 2
                    var matrix = [Float](repeating: -1, count: rows * features)
                    matrix.withUnsafeMutableBufferPointer { m in
                        SparseTile.store(tile, features: features, first: 1, count: count, into: m.baseAddress!, instructionSet: instructionSet)
                    }
                    var expected = [Float](repeating: -1, count: rows * features)
                    for sample in 0..<count {
                        for feature in 0..<features { expected[(1 + sample) * features + feature] = lanes[feature * width + sample] }
                    }
                    XCTAssertEqual(matrix, expected, "\(features) features, \(count) samples, \(instructionSet)")
                }
            }
        }
    }
}
