import Foundation
import PruneKit

/// Every job is costed before it is accepted: its data is looked at (shapes only, from the IDX
/// headers), its network checked against the parameter limit for that data, and its peak memory
/// and seconds estimated and held against the server's limits. A spec that fails any of these is
/// valid but refused (422), with the fields that drive the problem as JSON Pointers.
struct Admission: Sendable {
    var limits: JobLimits

    struct Verdict: Sendable {
        /// Nil when the data could not even be looked at.
        var estimate: JobEstimate?
        var problems: [SpecFieldError]
        /// The spec as it will run: with imported weights, `hidden` and `bias` from the file.
        var spec: SweepSpec
        var admissible: Bool { problems.isEmpty }
    }

    func judge(_ submitted: SweepSpec) -> Verdict {
        let missing = SpecFileChecks.errors(in: submitted) + submitted.refusals()
        if !missing.isEmpty { return Verdict(estimate: nil, problems: missing, spec: submitted) }
        let spec: SweepSpec
        let shape: DataShape
        do {
            (spec, shape) = try submitted.resolvedWithShape()
        } catch let SweepError.importedModel(pointer, message) {
            return Verdict(estimate: nil, problems: [SpecFieldError(pointer: pointer, detail: message)], spec: submitted)
        } catch {
            let pointer = submitted.dataset.path != nil ? "/dataset/path" : "/dataset/name"
            return Verdict(estimate: nil, problems: [SpecFieldError(pointer: pointer, detail: ErrorText.message(for: error))], spec: submitted)
        }
        // Estimated even when over the parameter limit: the figures tell by how much.
        var problems = spec.limitErrors(inputs: shape.features, classes: shape.classes)
        let estimate = spec.estimate(shape: shape)
        if let limit = limits.maxJobMemoryBytes, let text = estimate.memoryProblem(limit: limit) {
            problems += Self.fieldErrors(text, estimate.memoryDrivers)
        }
        if let limit = limits.maxJobSeconds, let text = estimate.timeProblem(limit: limit) {
            problems += Self.fieldErrors(text, estimate.timeDrivers)
        }
        return Verdict(estimate: estimate, problems: problems, spec: spec)
    }

    /// One error per driving field, each with the whole sentence, so that a form can mark
    /// every field involved; at least one, at the root, if no field drives it.
    static func fieldErrors(_ text: String, _ pointers: [String]) -> [SpecFieldError] {
        (pointers.isEmpty ? [""] : pointers).map { SpecFieldError(pointer: $0, detail: text) }
    }
}
