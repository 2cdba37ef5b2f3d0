import Foundation
import HTTPServer
import PruneKit

/// `GET /jobs/{id}/points/{method}/{sparsity}/model.safetensors`: one pruned point's network
/// in PyTorch `nn.Sequential` layout, rebuilt (one-shot without fine-tuning) or read back from
/// the sweep's stored points by `PointExport`. Query: `repeat`, `variant`, `layer`, `masks=true`, `format=csr`.
extension JobsAPI {
    /// Every file under `/jobs/{id}/points/{method}/{sparsity}/`: one route, since which of two
    /// patterns a router prefers is not part of its contract.
    func pointFile(_ request: HTTPRequest) -> HTTPResponse {
        switch request.pathParameters["file"] ?? "" {
        case "model.safetensors": return pointModel(request)
        case "masks.svg", "masks.json", "weights.svg": return pointMasks(request)
        case let other:
            let id = request.pathParameters["id"] ?? ""
            guard jobs.job(id) != nil else { return Problem.jobNotFound(id).response() }
            return Problem("artifact-not-found", status: 404, title: "No such point file",
                           detail: "a point has no file \"\(other)\"; its files are model.safetensors, masks.svg, masks.json, weights.svg").response()
        }
    }

    func pointModel(_ request: HTTPRequest) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard jobs.artifactNames(of: id) != nil else { return Problem.jobNotFound(id).response() }
        let query: PointQuery
        switch PointQuery.parse(request, kind: .model) {
        case .valid(let parsed): query = parsed
        case .invalid(let errors): return PointQuery.invalid(errors)
        }
        let folder = jobs.artifactsRoot.appendingPathComponent(id, isDirectory: true)
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("prunelab-export-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: temporary) }
        let point = query.point, format = query.format
        do {
            _ = try PointExport.write(folder: folder, point: point, to: temporary, masks: query.masks, format: format)
            let bytes = [UInt8](try Data(contentsOf: temporary))
            let name = "\(id)-\(point.method.rawValue)-\(PointExport.sparsityText(point.sparsity))\(point.layer.map { "-layer-\($0)" } ?? "")"
                + "\(point.variant == .pruned ? "" : "-\(point.variant.rawValue)")\(format == .csr ? "-csr" : "").safetensors"
            return HTTPResponse(status: 200, contentType: "application/octet-stream", body: bytes,
                                headers: ["Content-Disposition": "attachment; filename=\"\(name)\""])
        } catch let error as PointExportError {
            switch error {
            case .notFound(let text):
                return Problem("point-not-found", status: 404, title: "No such point", detail: text).response()
            case .notAvailable(let text):
                return Problem("point-not-kept", status: 409, title: "Point not available", detail: text).response()
            }
        } catch {
            return Problem("export-failed", status: 500, title: "Export failed", detail: ErrorText.message(for: error)).response()
        }
    }
}
