/// Evaluating a point and timing it in one pass.
///
/// A weight-pruned point's evaluation is the dense side of its timing pairs: the original shape
/// with the pruned weights as zeros, through the dense kernel. So its evaluation batches (the
/// timing input's size, `MLP.evaluationBatchSize` samples) are timed, each paired with the CSR
/// kernel on the same samples, until the pairs settle; the pairs then cost the CSR runs alone. A
/// test set too small for enough rounds continues on the timing input, as `measure` does.
/// Smaller networks (unit pruning, small-dense controls) are timed through the inference path,
/// whose narrow layers run a kernel of our own (`MLP.inferenceLogits`), so their evaluation's
/// products are not their timed side and nothing is shared.
///
/// The dense side's runs are the evaluation's own products (`MLP.logits`): the inference path
/// would differ only in the last, 10-output layer, under 0.1 % of a dense run.
extension InferenceTimer {
    /// The evaluation of `pruned` on `data` and its timing, as `model.evaluate(on:)` and
    /// `measure(_:input:representing:)` give them, with the runs the two share made once.
    public static func evaluateAndMeasure(_ pruned: PrunedNetwork, on data: LabeledImages, timingInput: Matrix,
                                          pairing: PairedTiming = pointPairing) -> (evaluation: Evaluation, timing: InferenceTiming) {
        let input = timingInput.rows > timingSamples ? firstRows(timingInput, timingSamples) : timingInput
        let scale = Double(data.count) / Double(max(1, input.rows))
        if pruned.method.removesUnits {
            return (pruned.model.evaluate(on: data), measure(pruned, input: input, representing: data.count, pairing: pairing))
        }
        let model = pruned.model
        let sparse = SparseMLP(model)
        let onInput: (Pass) -> Double = { pass in
            pass == .sparse ? PairedTiming.seconds { _ = sparse.logits(input) } : run(model, on: input)
        }
        let quick = quickComparison(onInput)
        guard quick.sparseIsFaster else {
            // Dense is picked, so the speed-up is 1 by construction: every evaluation part is a dense run.
            var dense = quick.dense
            let evaluation = evaluateInParts(model, on: data, rows: input.rows) { _, logits in
                var out: Matrix?
                dense.append(PairedTiming.seconds { out = logits() })
                return out!
            }
            return (evaluation, densePick(dense: dense, sparse: quick.sparse, scale: scale))
        }
        // Both sides are warm from the quick comparison.
        var rounds = PairedTiming.Rounds(pairing)
        let evaluation = evaluateInParts(model, on: data, rows: input.rows) { part, logits in
            pair(&rounds, evaluated: .dense, logits: logits) { _ = sparse.logits(part) }
        }
        rounds.continue { onInput($0 == .dense ? .original : .sparse) }
        return (evaluation, csrOrDense(rounds.result, scale: scale))
    }

    /// A small-dense control's evaluation and timing: `smaller` evaluated on `data`, timed against
    /// `original` (both through the dense kernel, reported as `.dense`).
    public static func evaluateAndMeasure(_ smaller: MLP, against original: MLP, on data: LabeledImages, timingInput: Matrix,
                                          pairing: PairedTiming = pointPairing) -> (evaluation: Evaluation, timing: InferenceTiming) {
        let input = timingInput.rows > timingSamples ? firstRows(timingInput, timingSamples) : timingInput
        let timing = measure(.smaller(.dense), scale: Double(data.count) / Double(max(1, input.rows)), pairing: pairing) { pass in
            run(pass == .original ? original : smaller, on: input)
        }
        return (smaller.evaluate(on: data), timing)
    }

    /// One part's logits; while `rounds` are not done, a round timing the evaluated side (`logits`)
    /// against `other` on the same part.
    private static func pair(_ rounds: inout PairedTiming.Rounds, evaluated side: PairedTiming.Side,
                             logits: () -> Matrix, other: () -> Void) -> Matrix {
        guard !rounds.isDone else { return logits() }
        var out: Matrix?
        rounds.round { $0 == side ? PairedTiming.seconds { out = logits() } : PairedTiming.seconds(other) }
        return out!
    }

    /// `model.evaluate(on: data)`, whose batches are the timing input's size; `part(batch, logits)`
    /// is called for each batch of exactly `rows` rows and must return `logits()`, which it may time.
    static func evaluateInParts(_ model: MLP, on data: LabeledImages, rows: Int,
                                part: (Matrix, () -> Matrix) -> Matrix) -> Evaluation {
        model.evaluate(on: data, batchSize: max(1, rows)) { batch in
            batch.rows == rows ? part(batch) { model.logits(batch) } : model.logits(batch)
        }
    }
}
