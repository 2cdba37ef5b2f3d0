import Foundation
import HTTPServer
import PruneKit

/// The point a `/jobs/{id}/points/{method}/{sparsity}/...` request names, read from its path and
/// query exactly as the OpenAPI document describes them; every bad part is named by a pointer.
struct PointQuery {
    var point: PointSelector
    /// `masks=true` (model.safetensors only).
    var masks = false
    var format = ExportFormat.safetensors

    /// The query parameters each kind of point route takes.
    enum Kind {
        case model, masks
        var parameters: [String] { self == .model ? ["repeat", "variant", "layer", "masks", "format"] : ["repeat", "variant", "layer"] }
    }

    static func parse(_ request: HTTPRequest, kind: Kind) -> QueryParse<PointQuery> {
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
        var query = PointQuery(point: PointSelector(method: method ?? .weight, sparsity: sparsity ?? 0))
        for (name, value) in request.query {
            guard kind.parameters.contains(name) else {
                errors.append(SpecFieldError(pointer: "/\(name)", detail: "unknown query parameter \"\(name)\"; the parameters are \(kind.parameters.joined(separator: ", "))"))
                continue
            }
            switch name {
            case "repeat":
                if let r = Int(value), (0...19).contains(r) { query.point.repeatIndex = r } else { errors.append(SpecFieldError(pointer: "/repeat", detail: "must be an integer from 0 to 19, got \"\(value)\"")) }
            case "variant":
                if let v = PointVariant(rawValue: value) { query.point.variant = v } else { errors.append(SpecFieldError(pointer: "/variant", detail: "must be one of \(PointVariant.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(value)\"")) }
            case "layer":
                if let l = Int(value), (0...16).contains(l) { query.point.layer = l } else { errors.append(SpecFieldError(pointer: "/layer", detail: "must be an integer from 0 to 16, got \"\(value)\"")) }
            case "masks":
                if value == "true" || value == "false" { query.masks = value == "true" } else { errors.append(SpecFieldError(pointer: "/masks", detail: "must be true or false, got \"\(value)\"")) }
            default:
                if let f = ExportFormat(rawValue: value) { query.format = f } else { errors.append(SpecFieldError(pointer: "/format", detail: "must be safetensors or csr, got \"\(value)\"")) }
            }
        }
        return errors.isEmpty ? .valid(query) : .invalid(errors)
    }

    static func invalid(_ errors: [SpecFieldError]) -> HTTPResponse {
        Problem("invalid-point", status: 400, title: "Invalid point", detail: errors.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "),
                errors: errors).response()
    }
}

/// A query read as a value, or every field error found in it.
enum QueryParse<Value> {
    case valid(Value)
    case invalid([SpecFieldError])
}
