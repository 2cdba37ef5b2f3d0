import Dispatch
import Foundation

/// An MLP for inference whose layers are sparse (`SparseMatrix`): the time of a forward pass
/// falls with the number of nonzero weights instead of the layer shapes.
///
/// Samples go through the network in tiles of `SparseTile.width`, each tile through every
/// layer before the next tile starts, so a tile's activations (at most `width x widest layer`
/// floats, 128 KB for 1000 units, in L2) stay in cache. Tiles are shared out to all cores on demand.
/// Results do not depend on the number of threads: every sample is computed by one thread
/// with the same arithmetic.
public struct SparseMLP: Sendable {
    /// Each layer's weights transposed into CSR (a row per output unit), zeros dropped.
    public let layers: [SparseMatrix]
    /// Empty when the model has no biases; else one vector per layer.
    public let biases: [[Float]]
    /// Each layer's column indices in the kernel's form (`SparseTile.tileOffsets`).
    private let offsets: [[Int32]]
    /// Which build of the tile kernel runs (the best this CPU supports, unless a test says otherwise).
    public let instructionSet: KernelInstructionSet

    /// Compresses `model`'s weights; `instructionSet` must be supported by this CPU.
    public init(_ model: MLP, instructionSet: KernelInstructionSet = .best) {
        precondition(instructionSet.isSupported, "this CPU cannot run the \(instructionSet) kernels")
        layers = model.weights.map(SparseMatrix.init(transposing:))
        biases = model.biases
        offsets = layers.map(SparseTile.tileOffsets)
        self.instructionSet = instructionSet
    }

    /// Features each sample must have.
    public var inputCount: Int { layers[0].cols }
    /// Logits produced per sample (the classes).
    public var outputCount: Int { layers[layers.count - 1].rows }
    /// Weights actually stored and multiplied, over all layers.
    public var nonzeroWeightCount: Int { layers.reduce(0) { $0 + $1.nonzeroCount } }

    /// The logits (`input.rows x outputs`) for a batch of samples (`input.rows x inputs`):
    /// ReLU after every layer but the last, as `MLP`.
    public func logits(_ input: Matrix) -> Matrix {
        precondition(input.cols == inputCount, "SparseMLP takes \(inputCount) features per sample, got \(input.cols)")
        var result = Matrix(rows: input.rows, cols: outputCount)
        let tileCount = (input.rows + SparseTile.width - 1) / SparseTile.width
        guard tileCount > 0 else { return result }
        let widest = layers.reduce(inputCount) { max($0, $1.rows) }
        let workers = min(Parallel.coreCount, tileCount)
        let queue = TileQueue(count: tileCount)
        input.data.withUnsafeBufferPointer { inputBuffer in
            result.data.withUnsafeMutableBufferPointer { resultBuffer in
                // Workers read all of the input and write disjoint tiles of the result.
                nonisolated(unsafe) let source = inputBuffer.baseAddress!
                nonisolated(unsafe) let destination = resultBuffer.baseAddress!
                Parallel.onEveryCore(pieces: workers) { _ in
                    // Two tiles of the widest layer, allocated once per worker and swapped layer to layer.
                    var current = SparseTile.allocate(features: widest)
                    var next = SparseTile.allocate(features: widest)
                    defer { UnsafeMutableRawPointer(current).deallocate(); UnsafeMutableRawPointer(next).deallocate() }
                    while let tile = queue.take() {
                        let first = tile * SparseTile.width
                        let count = min(SparseTile.width, input.rows - first)
                        SparseTile.load(source, features: inputCount, first: first, count: count, into: current,
                                        instructionSet: instructionSet)
                        for index in layers.indices {
                            forward(layer: index, input: current, output: next)
                            swap(&current, &next)
                        }
                        SparseTile.store(current, features: outputCount, first: first, count: count, into: destination,
                                         instructionSet: instructionSet)
                    }
                }
            }
        }
        return result
    }

    private func forward(layer index: Int, input: UnsafePointer<SparseTile.Vector>,
                         output: UnsafeMutablePointer<SparseTile.Vector>) {
        let layer = layers[index]
        let relu = index < layers.count - 1
        layer.rowStarts.withUnsafeBufferPointer { rowStarts in
            offsets[index].withUnsafeBufferPointer { columns in
                layer.values.withUnsafeBufferPointer { values in
                    let apply = { (bias: UnsafePointer<Float>?) in
                        // An empty layer has no entries: hand the kernel a valid (unread) address.
                        SparseTile.apply(instructionSet: instructionSet, rowStarts: rowStarts.baseAddress!,
                                         offsets: columns.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                         values: values.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                         bias: bias, outputs: layer.rows, relu: relu, input: input, output: output)
                    }
                    if biases.isEmpty { apply(nil) } else { biases[index].withUnsafeBufferPointer { apply($0.baseAddress) } }
                }
            }
        }
    }
}

/// Hands out tile numbers `0 ..< count` to worker threads, each exactly once.
private final class TileQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextTile = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextTile < count else { return nil }
        nextTile += 1
        return nextTile - 1
    }
}
