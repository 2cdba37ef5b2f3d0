import Foundation

// TEMPORARY: stands in for the pruning engineer's `InferenceTimer` (Bench/) until it lands,
// so the runner builds and its tests run. Same measurement, one repetition, no kernel choice.
// Delete this file and call `InferenceTimer.measure` in SweepRunner once it exists.
enum PendingInferenceTimer {
    static func measure(_ pruned: PrunedNetwork, on data: LabeledImages) -> (denseSeconds: Double, prunedSeconds: Double, kernel: String) {
        var batch = Matrix(rows: 0, cols: data.features)
        data.fillBatch(0..<data.count, into: &batch)
        let dense = pruned.expandedModel()
        let denseSeconds = seconds { _ = dense.logits(batch) }
        if pruned.method.removesUnits {
            return (denseSeconds, seconds { _ = pruned.model.logits(batch) }, "shrunk")
        }
        let sparse = SparseMLP(pruned.model)
        return (denseSeconds, seconds { _ = sparse.logits(batch) }, "csr")
    }

    private static func seconds(_ work: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        work()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }
}
