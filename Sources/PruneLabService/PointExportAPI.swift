import Foundation
import HTTPServer
import PruneKit

/// `GET /jobs/{id}/points/{method}/{sparsity}/model.safetensors`: one pruned point's network
/// in PyTorch `nn.Sequential` layout, rebuilt (one-shot without fine-tuning) or read back from
/// the sweep's stored points by `PointExport`. Query: `repeat`, `variant`, `layer`, `masks=true`, `format=csr`.
extension JobsAPI {
    func pointModel(_ request: HTTPRequest) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard jobs.artifactNames(of: id) != nil else { return Problem.jobNotFound(id).response() }
        let methodText = request.pathParameters["method"] ?? "", sparsityText = request.pathParameters["sparsity"] ?? ""
        var errors: [SpecFieldError] = []
        let method = PruningMethod(rawValue: methodText)
        if method == nil { errors.append(SpecFieldError(pointer: "/method", detail: "must be one of \(PruningMethod.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(methodText)\"")) }
        // Exactly what the OpenAPI pattern says: one or two digits, then up to six decimals.
        let parts = sparsityText.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digitsOnly = { (s: Substring) in !s.isEmpty && s.utf8.allSatisfy { (0x30...0x39).contains($0) } }
        let wellFormed = parts.count >= 1 && parts[0].count <= 2 && digitsOnly(parts[0])
            && (parts.count == 1 || (parts[1].count <= 6 && digitsOnly(parts[1])))
        let sparsity = wellFormed ? Double(sparsityText) : nil
        if sparsity == nil { errors.append(SpecFieldError(pointer: "/sparsity", detail: "must be a number from 0 up to (not including) 100, e.g. 90 or 90.0, got \"\(sparsityText)\"")) }
        var repeatIndex = 0, variant = PointVariant.pruned, layer: Int?, masks = false, format = ExportFormat.safetensors
        for (name, value) in request.query {
            switch name {
            case "repeat":
                if let r = Int(value), (0...19).contains(r) { repeatIndex = r } else { errors.append(SpecFieldError(pointer: "/repeat", detail: "must be an integer from 0 to 19, got \"\(value)\"")) }
            case "variant":
                if let v = PointVariant(rawValue: value) { variant = v } else { errors.append(SpecFieldError(pointer: "/variant", detail: "must be one of \(PointVariant.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(value)\"")) }
            case "layer":
                if let l = Int(value), (0...99).contains(l) { layer = l } else { errors.append(SpecFieldError(pointer: "/layer", detail: "must be an integer from 0 to 99, got \"\(value)\"")) }
            case "masks":
                if value == "true" || value == "false" { masks = value == "true" } else { errors.append(SpecFieldError(pointer: "/masks", detail: "must be true or false, got \"\(value)\"")) }
            case "format":
                if let f = ExportFormat(rawValue: value) { format = f } else { errors.append(SpecFieldError(pointer: "/format", detail: "must be safetensors or csr, got \"\(value)\"")) }
            default:
                errors.append(SpecFieldError(pointer: "/\(name)", detail: "unknown query parameter \"\(name)\"; the parameters are repeat, variant, layer, masks, format"))
            }
        }
        guard let method, let sparsity, errors.isEmpty else {
            return Problem("invalid-point", status: 400, title: "Invalid point", detail: errors.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "),
                           errors: errors).response()
        }
        let folder = jobs.artifactsRoot.appendingPathComponent(id, isDirectory: true)
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("prunelab-export-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: temporary) }
        let point = PointSelector(method: method, sparsity: sparsity, repeatIndex: repeatIndex, variant: variant, layer: layer)
        do {
            _ = try PointExport.write(folder: folder, point: point, to: temporary, masks: masks, format: format)
            let bytes = [UInt8](try Data(contentsOf: temporary))
            let name = "\(id)-\(method.rawValue)-\(PointExport.sparsityText(sparsity))\(layer.map { "-layer-\($0)" } ?? "")\(variant == .pruned ? "" : "-\(variant.rawValue)")\(format == .csr ? "-csr" : "").safetensors"
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
