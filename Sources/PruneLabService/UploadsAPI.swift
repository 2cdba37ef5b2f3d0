import Foundation
import HTTPServer
import PruneKit

/// `POST /models`, `POST /datasets` and their listings: files a spec can then name by id
/// (`"model": {"uploaded": ID}`). Bodies are spooled to disk by the server as they arrive, up to
/// `--max-upload`, and checked with the readers a sweep uses before they are accepted.
struct UploadsAPI: Sendable {
    let store: UploadStore
    /// When set, POST and DELETE need `Authorization: Bearer <token>`.
    let token: String?
    /// Largest body accepted (`--max-upload`).
    let maxUpload: Int

    func register(on router: Router) {
        let spool = RequestBodyHandling.spooled(SpoolPolicy(maxBytes: maxUpload, directory: store.incoming))
        for kind in UploadKind.allCases {
            router.add("POST", "/\(kind.collection)", body: spool) { upload($0, kind) }
            router.add("GET", "/\(kind.collection)") { list($0, kind) }
            router.add("GET", "/\(kind.collection)/{id}") { show($0, kind) }
            router.add("DELETE", "/\(kind.collection)/{id}") { delete($0, kind) }
        }
    }

    // MARK: POST /models, POST /datasets

    func upload(_ request: HTTPRequest, _ kind: UploadKind) -> HTTPResponse {
        if let refusal = BearerToken.refusal(of: request, expected: token) { return refusal }
        var labelColumn: String?
        var layers: [String]?
        for (name, value) in request.query {
            switch (kind, name) {
            case (.dataset, "label_column"):
                guard (1...200).contains(value.unicodeScalars.count), !value.contains(",") else {
                    return invalidQuery("/label_column", "must be a CSV column name of 1 to 200 characters without a comma")
                }
                labelColumn = value
            case (.model, "layers"):
                let names = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard (1...17).contains(names.count), names.allSatisfy({ (1...200).contains($0.unicodeScalars.count) }),
                      Set(names).count == names.count else {
                    return invalidQuery("/layers", "must be 1 to 17 distinct comma-separated layer names (fc1,fc2 reads fc1.weight, fc2.weight, ...)")
                }
                layers = names
            default:
                let allowed = kind == .model ? "layers" : "label_column"
                return invalidQuery("/\(name)", "unknown query parameter \"\(name)\"; the only one is \(allowed)")
            }
        }
        guard let body = request.spooledBody else {
            return Problem("empty-upload", status: 400, title: "Empty upload",
                           detail: "the request body is empty; send the file's bytes as the body (curl --data-binary @FILE)").response()
        }
        do {
            let (record, created) = try store.accept(body, kind: kind, labelColumn: labelColumn, layers: layers)
            return json(created ? 201 : 200, record, headers: ["Location": "/\(kind.collection)/\(record.id)"])
        } catch {
            let title = error.status == 422 ? "Unusable \(kind.rawValue) file" : error.status == 400 ? "Empty upload" : "Upload not stored"
            let type = error.status == 422 ? "invalid-upload" : error.status == 400 ? "empty-upload" : "upload-not-stored"
            return Problem(type, status: error.status, title: title, detail: error.detail).response()
        }
    }

    // MARK: GET, DELETE

    func list(_ request: HTTPRequest, _ kind: UploadKind) -> HTTPResponse {
        if let unknown = request.query.first {
            return invalidQuery("/\(unknown.name)", "unknown query parameter \"\(unknown.name)\"; this list takes none")
        }
        return json(200, UploadList(uploads: store.records(kind)))
    }

    func show(_ request: HTTPRequest, _ kind: UploadKind) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard let record = store.record(kind, id) else { return notFound(kind, id) }
        return json(200, record)
    }

    func delete(_ request: HTTPRequest, _ kind: UploadKind) -> HTTPResponse {
        if let refusal = BearerToken.refusal(of: request, expected: token) { return refusal }
        let id = request.pathParameters["id"] ?? ""
        return store.delete(kind, id) ? HTTPResponse(status: 204) : notFound(kind, id)
    }

    private func notFound(_ kind: UploadKind, _ id: String) -> HTTPResponse {
        Problem("upload-not-found", status: 404, title: "No such upload",
                detail: "there is no uploaded \(kind.rawValue) with id \"\(id)\"; GET /\(kind.collection) lists them").response()
    }

    private func invalidQuery(_ pointer: String, _ detail: String) -> HTTPResponse {
        Problem("invalid-query", status: 400, title: "Invalid query", detail: detail,
                errors: [SpecFieldError(pointer: pointer, detail: detail)]).response()
    }

    private func json<T: Encodable>(_ status: Int, _ value: T, headers: HTTPHeaders = [:]) -> HTTPResponse {
        HTTPResponse(status: HTTPStatus(status), contentType: "application/json", body: Array(APIJSON.data(value)), headers: headers)
    }
}

private struct UploadList: Encodable {
    var uploads: [UploadRecord]
}

/// Specs name uploads by id; the service turns each into its file's path before the job is
/// admitted (so the data roots, the admission estimate and the job all see a plain file).
struct UploadResolver: Sendable {
    let store: UploadStore

    /// The spec with its uploads replaced by paths, or one 422 error per id that names no
    /// usable upload.
    func resolve(_ spec: SweepSpec) -> Result<SweepSpec, SpecValidationError> {
        var resolved = spec
        var errors: [SpecFieldError] = []
        func file(_ pointer: String, _ id: String, _ kind: UploadKind, _ format: UploadFormat) -> UploadRecord? {
            guard let record = store.record(kind, id) else {
                errors.append(SpecFieldError(pointer: pointer, detail: "names no uploaded \(kind.rawValue): there is none with id \"\(id)\" (GET /\(kind.collection) lists them)"))
                return nil
            }
            guard record.format == format else {
                errors.append(SpecFieldError(pointer: pointer, detail: "names an uploaded \(record.format.rawValue) file; this field takes a \(format.rawValue) one"))
                return nil
            }
            return record
        }
        if let id = spec.model.uploaded, let record = file("/model/uploaded", id, .model, .safetensors) {
            resolved.model.weights = store.file(of: record).path
            resolved.model.uploaded = nil
            if resolved.model.layers == nil { resolved.model.layers = record.model?.layers }
        }
        if let id = spec.dataset.uploaded, let record = file("/dataset/uploaded", id, .dataset, .npz) {
            resolved.dataset.path = store.file(of: record).path
            resolved.dataset.uploaded = nil
        }
        for (pointer, id, isTrain) in [("/dataset/train_uploaded", spec.dataset.trainUploaded, true),
                                       ("/dataset/test_uploaded", spec.dataset.testUploaded, false)] {
            guard let id, let record = file(pointer, id, .dataset, .csv) else { continue }
            if let checked = record.dataset?.labelColumn, checked != spec.dataset.labelColumn {
                errors.append(SpecFieldError(pointer: pointer, detail: "was uploaded with label column \"\(checked)\" but /dataset/label_column is \"\(spec.dataset.labelColumn)\"; give that column, or upload the file again with ?label_column="))
                continue
            }
            if isTrain {
                resolved.dataset.train = store.file(of: record).path
                resolved.dataset.trainUploaded = nil
            } else {
                resolved.dataset.test = store.file(of: record).path
                resolved.dataset.testUploaded = nil
            }
        }
        return errors.isEmpty ? .success(resolved) : .failure(SpecValidationError(errors: errors))
    }
}
