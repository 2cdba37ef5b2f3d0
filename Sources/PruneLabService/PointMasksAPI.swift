import Foundation
import HTTPServer
import PruneKit

/// `GET /jobs/{id}/points/{method}/{sparsity}/{masks.svg, masks.json, weights.svg}`: where one
/// point's network was cut, drawn from the job's masks.json (recorded while the sweep ran).
/// Query: `repeat`, `variant`, `layer` (each-layer scope).
extension JobsAPI {
    func pointMasks(_ request: HTTPRequest) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard let record = jobs.job(id) else { return Problem.jobNotFound(id).response() }
        let query: PointQuery
        switch PointQuery.parse(request, kind: .masks) {
        case .valid(let parsed): query = parsed
        case .invalid(let errors): return PointQuery.invalid(errors)
        }
        let folder = jobs.artifactsRoot.appendingPathComponent(id, isDirectory: true)
        let file: MaskFile
        do {
            guard let read = try MaskFile.read(folder: folder) else {
                return Problem("point-not-found", status: 404, title: "No masks recorded",
                               detail: "job \(id) has recorded no point's masks yet (or ran before masks were recorded)").response()
            }
            file = read
        } catch {
            return Problem("masks-unreadable", status: 500, title: "masks.json unreadable", detail: "job \(id): \(error)").response()
        }
        let p = query.point
        let point = SweepPoint(method: p.method, targetSparsity: p.sparsity, repeatIndex: p.repeatIndex, variant: p.variant, layer: query.point.layer)
        guard let summary = file.points.first(where: { Self.samePoint($0.point, point) }) else {
            let have = file.points.map { "\($0.method.rawValue):\(PointExport.sparsityText($0.targetSparsity)):\($0.repeatIndex)" }
            var seen = Set<String>()
            let listed = have.filter { seen.insert($0).inserted }.prefix(24).joined(separator: ", ")
            return Problem("point-not-found", status: 404, title: "No such point",
                           detail: "job \(id) has no masks for \(p.text)\(query.point.layer.map { ", layer \($0) alone" } ?? ""); it has \(listed.isEmpty ? "none" : listed)").response()
        }
        let title = record.spec.name
        switch request.pathParameters["file"] ?? "" {
        case "masks.json":
            return HTTPResponse(status: 200, contentType: "application/json", body: Array(Self.masksDocument(summary, in: file).serialized()))
        case "weights.svg":
            let after = summary.weights
            let before = file.trainedWeights(repeatIndex: summary.repeatIndex) ?? []
            return svg(WeightsChart.beforeAfter(before: before, after: after, title: "\(title), \(p.text)"))
        default:
            return svg(MasksChart.point(summary, inputShape: file.inputShape, title: title))
        }
    }

    /// The same point up to how its sparsity was written (`90` or `90.0`).
    static func samePoint(_ a: SweepPoint, _ b: SweepPoint) -> Bool {
        a.method == b.method && abs(a.targetSparsity - b.targetSparsity) < 1e-9 && a.repeatIndex == b.repeatIndex
            && a.variant == b.variant && a.layer == b.layer
    }

    /// masks.json of one point: its `MaskSummary`, plus `input_shape` and `trained_weights`
    /// (the repeat's trained network's histograms, the "before"; null when not recorded).
    static func masksDocument(_ summary: MaskSummary, in file: MaskFile) -> JSONValue {
        let encoder = JSONEncoder()
        guard let data = try? encoder.encode(summary), case .object(var object)? = try? JSONValue.parse(data) else { return .null }
        object["input_shape"] = .array(file.inputShape.map { .int($0) })
        if let trained = file.trainedWeights(repeatIndex: summary.repeatIndex), let data = try? encoder.encode(trained),
           let value = try? JSONValue.parse(data) {
            object["trained_weights"] = value
        } else {
            object["trained_weights"] = .null
        }
        if object["layer"] == nil { object["layer"] = .null }
        return .object(object)
    }

    func svg(_ text: String) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: "image/svg+xml", body: Array(text.utf8))
    }
}
