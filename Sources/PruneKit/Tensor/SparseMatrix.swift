/// A layer's weights in compressed sparse row form, stored **output-major**: row `j` lists the
/// inputs that feed output unit `j` and their weights. This is the CSR form of Wᵀ for a layer
/// `Y = X W` (`W` is `inputs x outputs`), the layout the sparse tile kernel reads: each output
/// is one contiguous run of (input, weight) pairs, so it is computed and written once.
public struct SparseMatrix: Sendable, Equatable {
    /// Output units (rows of this matrix).
    public let rows: Int
    /// Input features (columns of this matrix).
    public let cols: Int
    /// `rowStarts[j] ..< rowStarts[j + 1]` indexes the entries of output `j`; `rows + 1` values.
    public let rowStarts: [Int]
    /// The input feature of each entry, ascending within a row.
    public let columns: [Int32]
    /// The weight of each entry; never zero.
    public let values: [Float]

    /// Collects the nonzero weights of a dense `inputs x outputs` weight matrix, output-major.
    public init(transposing weights: Matrix) {
        precondition(weights.rows <= Int(Int32.max), "too many inputs for 32-bit column indices")
        var rowStarts = [Int]()
        rowStarts.reserveCapacity(weights.cols + 1)
        var columns = [Int32]()
        var values = [Float]()
        let nonzeros = weights.data.reduce(0) { $1 != 0 ? $0 + 1 : $0 }
        columns.reserveCapacity(nonzeros)
        values.reserveCapacity(nonzeros)
        weights.data.withUnsafeBufferPointer { w in
            for output in 0..<weights.cols {
                rowStarts.append(values.count)
                for input in 0..<weights.rows {
                    let value = w[input * weights.cols + output]
                    if value != 0 {
                        columns.append(Int32(input))
                        values.append(value)
                    }
                }
            }
        }
        rowStarts.append(values.count)
        self.rows = weights.cols
        self.cols = weights.rows
        self.rowStarts = rowStarts
        self.columns = columns
        self.values = values
    }

    /// Number of stored (non-zero) entries.
    public var nonzeroCount: Int { values.count }

    /// The fraction of entries that are zero (0...1).
    public var sparsity: Double {
        rows * cols == 0 ? 0 : 1 - Double(nonzeroCount) / Double(rows * cols)
    }
}
