import XCTest
@testable import PruneKit

/// The linear-time selection pruning uses in place of a full sort: the same set in front.
final class KeySelectionTests: XCTestCase {
    /// Every k of many distinct key sets (random, sorted, reversed, few distinct scores) gives
    /// the set a sort's prefix gives.
    func testTheKSmallestKeysAreThoseASortPutsFirst() {
        var generator = SeededGenerator(seed: 7)
        for n in [1, 2, 3, 17, 18, 40, 257, 1000] {
            // Keys as pruning builds them: a score rank over a position, so repeated scores stay distinct.
            let random = (0..<n).map { UInt64(generator.next() % 5) << 32 | UInt64($0) }
            let shuffled = (0..<n).map { _ in UInt64(generator.next() >> 1) }
            for keys in [random, shuffled, random.sorted(), random.sorted().reversed()] {
                let expected = keys.sorted()
                for k in Set([0, 1, n / 3, n / 2, n - 1, n]) {
                    var selected = keys
                    KeySelection.partition(&selected, smallest: k)
                    XCTAssertEqual(Set(selected.prefix(k)), Set(expected.prefix(k)), "n \(n), k \(k)")
                    XCTAssertEqual(selected.sorted(), expected, "a permutation of the keys")
                }
            }
        }
    }

    /// Magnitude pruning through the selection removes exactly the weights a full sort removes.
    func testLowestScoresMatchTheSortedOrder() {
        var generator = SeededGenerator(seed: 11)
        // Scores with many ties, over two layers, part of the first already held removed.
        let layers = [(0..<300).map { _ in Float(generator.next() % 7) }, (0..<200).map { _ in Float(generator.next() % 7) }]
        var mask = Matrix(rows: 30, cols: 10, repeating: 1)
        for i in stride(from: 0, to: 300, by: 9) { mask.data[i] = 0 }
        let held: [Matrix?] = [mask, nil]
        for count in [0, 34, 120, 250, 499] {
            let chosen = WeightSelection.lowestScores(acrossLayers: layers, held: held, count: count)
            // The order the selection promises: held-removed first, then score, then layer and index.
            let ranked = layers.enumerated().flatMap { l, scores in
                scores.indices.map { i in (held: l == 0 && mask.data[i] == 0, score: scores[i], layer: l, index: i) }
            }.sorted { a, b in
                if a.held != b.held { return a.held }
                if a.score != b.score { return a.score < b.score }
                return (a.layer, a.index) < (b.layer, b.index)
            }
            let expectedCount = max(count, 34)
            let expected = (0..<2).map { l in ranked.prefix(expectedCount).filter { $0.layer == l }.map(\.index).sorted() }
            XCTAssertEqual(chosen, expected, "count \(count)")
        }
    }
}
