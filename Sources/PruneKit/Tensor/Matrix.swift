/// A dense row-major matrix of `Float`: element (r, c) lives at `data[r * cols + c]`.
///
/// Weights are stored as `inputs x outputs` (a layer computes `Y = X W`), so an output
/// unit is a column of its weight matrix, as in the reference experiment.
public struct Matrix: Equatable, Sendable {
    /// Number of rows (a layer's inputs, for a weight matrix).
    public var rows: Int
    /// Number of columns (a layer's output units, for a weight matrix).
    public var cols: Int
    /// The elements, row after row; always `rows * cols` of them.
    public var data: [Float]

    /// Wraps `data` laid out row-major; its count must be `rows * cols`.
    public init(rows: Int, cols: Int, data: [Float]) {
        precondition(rows >= 0 && cols >= 0 && data.count == rows * cols,
                     "Matrix \(rows)x\(cols) needs \(rows * cols) values, got \(data.count)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// A matrix with every element set to `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        self.init(rows: rows, cols: cols, data: [Float](repeating: value, count: rows * cols))
    }

    /// A matrix whose every element `fill` writes, for outputs of products: nothing is zeroed
    /// first (a pass over the whole output that the product then overwrites).
    init(rows: Int, cols: Int, writingEveryElement fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(rows >= 0 && cols >= 0, "Matrix \(rows)x\(cols)")
        self.init(rows: rows, cols: cols, data: [Float](unsafeUninitializedCapacity: rows * cols) { buffer, initialized in
            fill(buffer)
            initialized = rows * cols
        })
    }

    /// Number of elements, `rows * cols`.
    public var count: Int { rows * cols }

    /// The element at (`row`, `col`), read or written in place.
    public subscript(row: Int, col: Int) -> Float {
        get { data[row * cols + col] }
        set { data[row * cols + col] = newValue }
    }
}
