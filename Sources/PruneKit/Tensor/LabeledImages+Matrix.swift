/// A batch of samples as the matrix the model reads.
extension LabeledImages {
    /// Scales the samples at `indices` to [0, 1] into `batch` (resized to indices.count x features).
    func fillBatch<C: Collection>(_ indices: C, into batch: inout Matrix) where C.Element == Int {
        if batch.rows != indices.count || batch.cols != features {
            batch = Matrix(rows: indices.count, cols: features)
        }
        batch.data.withUnsafeMutableBufferPointer { fillBatch(indices, into: $0.baseAddress!) }
    }
}
