import Foundation
import HTTPServer
import PruneKit

/// The HTTP face of the job manager: one method per route of the API table in DESIGN.md
/// (documented in OpenAPIDocument.swift). Handlers only read and queue: they never wait for a sweep.
struct JobsAPI: Sendable {
    let jobs: JobManager
    var admission: Admission { Admission(limits: jobs.limits) }
    /// When set, POST and DELETE need `Authorization: Bearer <token>`.
    let token: String?
    /// Seconds a client is told to wait when the queue is full.
    var queueFullRetryAfter = 30
    let metrics: ServiceMetrics
    /// Seconds between SSE keep-alive comments when nothing happens.
    var keepAliveInterval: TimeInterval = 15
    /// Where files named by specs may be.
    var dataRoots = DataRoots()
    /// Turns the upload ids a spec names into their files' paths.
    var uploads: UploadResolver?
    /// Encoded status polls, reused while a job is unchanged.
    let pollBodies = PollBodyCache()

    func register(on router: Router) {
        router.add("POST", "/jobs") { request in storeCall { try submit(request) } }
        router.add("GET", "/jobs") { try list($0) }
        router.add("GET", "/jobs/{id}", execution: .inline) { show($0) }
        router.add("POST", "/jobs/{id}/cancel") { request in storeCall { try cancel(request) } }
        router.add("DELETE", "/jobs/{id}") { request in storeCall { try delete(request) } }
        // One route for both: which of two patterns a router prefers is not part of its contract.
        router.add("GET", "/jobs/{id}/{file}") { request in
            request.pathParameters["file"] == "events" ? events(request) : artifact(request)
        }
        router.add("GET", "/jobs/{id}/points/{method}/{sparsity}/{file}") { pointFile($0) }
        router.add("GET", "/compare.svg") { compareSVG($0) }
        router.add("GET", "/compare/diff") { compareDiff($0) }
        router.add("GET", "/healthz", execution: .inline) { _ in json(200, ["status": "ok"]) }
        router.add("GET", "/metrics") { _ in
            HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                         body: Array(metrics.render(jobs: jobs).utf8))
        }
        router.add("GET", "/presets") { _ in
            HTTPResponse(status: 200, contentType: "application/json", body: Self.presetsBody)
        }
        router.add("GET", "/openapi.json") { _ in
            HTTPResponse(status: 200, contentType: "application/json", body: OpenAPIDocument.json)
        }
    }

    /// `GET /presets`: the named classic experiments, each with the spec to POST (built once).
    static let presetsBody: [UInt8] = Array(JSONValue.object(["presets": .array(Preset.all.map { preset in
        ["name": .string(preset.name), "summary": .string(preset.summary), "reproduces": .string(preset.reproduces),
         "spec": preset.document]
    })]).serialized())

    /// A route that writes to the job store: a store that cannot be reached or refuses answers 503
    /// naming why (the client may retry), never a bare 500.
    func storeCall(_ body: () throws -> HTTPResponse) -> HTTPResponse {
        do {
            return try body()
        } catch {
            return Problem("store-unavailable", status: 503, title: "Job store unavailable",
                           detail: "the job store did not take the change: \(ErrorText.message(for: error))")
                .response(headers: ["Retry-After": "5"])
        }
    }

    // MARK: POST /jobs

    func submit(_ request: HTTPRequest) throws -> HTTPResponse {
        if let refusal = BearerToken.refusal(of: request, expected: token) { return refusal }
        let contentType = request.headers["Content-Type"]
        guard let contentType, Self.mediaType(of: contentType) == "application/json" else {
            let got = contentType.map { "got \"\($0)\"" } ?? "the request has no Content-Type"
            return Problem("unsupported-media-type", status: 415, title: "Unsupported media type",
                           detail: "send the sweep spec as application/json; \(got)").response()
        }
        let key = request.headers["Idempotency-Key"]
        if let key, !Self.isValidIdempotencyKey(key) {
            return Problem("invalid-idempotency-key", status: 400, title: "Invalid Idempotency-Key",
                           detail: "Idempotency-Key must be 1 to 255 visible ASCII characters").response()
        }
        let body = Data(request.body)
        if let problem = Self.jsonSyntaxProblem(body) { return problem.response() }
        var spec: SweepSpec
        do {
            spec = try SweepSpec.parse(body)
        } catch let invalid as SpecValidationError {
            return Self.invalidSpec(invalid.errors)
        }
        if !spec.unresolvedUploads.isEmpty {
            guard let uploads else { return Self.refusedSpec(spec.unresolvedUploads.map { SpecFieldError(pointer: $0.pointer, detail: "this server takes no uploads") }) }
            switch uploads.resolve(spec) {
            case .success(let resolved): spec = resolved
            case .failure(let invalid): return Self.refusedSpec(invalid.errors)
            }
        }
        let outside = dataRoots.refusals(in: spec)
        if !outside.isEmpty {
            return Problem("path-outside-data-roots", status: 403, title: "Path outside the data roots",
                           detail: outside.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "), errors: outside).response()
        }
        let verdict = admission.judge(spec)
        switch request.query.first(where: { $0.name == "dry_run" })?.value {
        case nil, "false": break
        case "true": return json(200, DryRun(estimate: verdict.estimate, admissible: verdict.admissible, problems: verdict.problems))
        case let other?: return invalidQuery("/dry_run", "must be true or false, got \"\(other)\"")
        }
        if let unknown = request.query.first(where: { $0.name != "dry_run" }) {
            return invalidQuery("/\(unknown.name)", "unknown query parameter \"\(unknown.name)\"; the only one is dry_run")
        }
        if !verdict.admissible { return Self.refusedSpec(verdict.problems, estimate: verdict.estimate) }
        switch try jobs.submit(verdict.spec, idempotencyKey: key, estimate: verdict.estimate) {
        case .created(let record):
            return accepted(record, replayed: false)
        case .replayed(let record):
            return accepted(record, replayed: true)
        case .keyReused(let record):
            return Problem("idempotency-key-reused", status: 422, title: "Idempotency-Key reused",
                           detail: "Idempotency-Key \"\(key ?? "")\" was already used for job \(record.id) with a different spec")
                .response()
        case .queueFull(let queued, let limit):
            return Problem("queue-full", status: 429, title: "Too many queued jobs",
                           detail: "\(queued) jobs are queued, the server's limit (--max-queued \(limit)); submit again once some have started")
                .response(headers: ["Retry-After": String(queueFullRetryAfter)])
        }
    }

    static func invalidSpec(_ errors: [SpecFieldError]) -> HTTPResponse {
        Problem("invalid-spec", status: 400, title: "Invalid sweep spec",
                detail: "the spec has \(errors.count) error\(errors.count == 1 ? "" : "s"); each names its field",
                errors: errors).response()
    }

    /// A spec that fits the schema but cannot run here: its data is missing, or it is over a limit.
    static func refusedSpec(_ errors: [SpecFieldError], estimate: JobEstimate? = nil) -> HTTPResponse {
        // One sentence per problem (several fields may share one, e.g. the memory estimate's drivers).
        var sentences: [String] = []
        for error in errors {
            let sentence = error.detail.hasPrefix("peak memory") || error.detail.hasPrefix("estimated") ? error.detail : "\(error.pointer): \(error.detail)"
            if !sentences.contains(sentence) { sentences.append(sentence) }
        }
        var problem = Problem("spec-refused", status: 422, title: "Sweep spec refused",
                              detail: sentences.joined(separator: "; "), errors: errors)
        problem.estimate = estimate
        return problem.response()
    }

    private func accepted(_ record: JobRecord, replayed: Bool) -> HTTPResponse {
        var headers: HTTPHeaders = ["Location": "/jobs/\(record.id)", "Retry-After": "2"]
        if replayed { headers.add("Idempotent-Replayed", "true") }
        return json(202, view(record), headers: headers)
    }

    /// Malformed JSON gets its own answer, distinct from a well-formed but invalid spec.
    static func jsonSyntaxProblem(_ body: Data) -> Problem? {
        if body.isEmpty {
            return Problem("malformed-json", status: 400, title: "Malformed JSON",
                           detail: "the request body is empty; send a sweep spec ({} is the reference experiment)")
        }
        do {
            _ = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
            return nil
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            return Problem("malformed-json", status: 400, title: "Malformed JSON",
                           detail: "the request body is not valid JSON: \(reason)")
        }
    }

    /// `application/json; charset=utf-8` -> `application/json`.
    static func mediaType(of contentType: String) -> String {
        contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
    }

    static func isValidIdempotencyKey(_ key: String) -> Bool {
        (1...255).contains(key.utf8.count) && key.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }

    // MARK: GET /jobs, GET /jobs/{id}, POST /jobs/{id}/cancel, DELETE /jobs/{id}

    func list(_ request: HTTPRequest) throws -> HTTPResponse {
        var state: JobState?
        var limit = 100
        var cursor: JobListCursor?
        for (name, value) in request.query {
            switch name {
            case "state":
                guard let parsed = JobState(rawValue: value) else {
                    let allowed = JobState.allCases.map(\.rawValue).joined(separator: ", ")
                    return invalidQuery("/state", "must be one of \(allowed), got \"\(value)\"")
                }
                state = parsed
            case "limit":
                guard let n = Int(value), (1...1000).contains(n) else {
                    return invalidQuery("/limit", "must be an integer from 1 to 1000, got \"\(value)\"")
                }
                limit = n
            case "cursor":
                guard let parsed = JobListCursor(value) else {
                    return invalidQuery("/cursor", "is not a cursor this server gave out (use the `next` of a previous page)")
                }
                cursor = parsed
            default:
                return invalidQuery("/\(name)", "unknown query parameter \"\(name)\"; the parameters are state, limit and cursor")
            }
        }
        let all = jobs.jobs(in: state)
        let start = cursor.map { c in all.firstIndex { c.precedes($0) } ?? all.count } ?? 0
        let page = Array(all[start..<min(all.count, start + limit)])
        let next = start + page.count < all.count ? page.last.map { JobListCursor(after: $0).text } : nil
        return json(200, JobList(jobs: page.map(view), next: next))
    }

    private func invalidQuery(_ pointer: String, _ detail: String) -> HTTPResponse {
        Problem("invalid-query", status: 400, title: "Invalid query", detail: detail,
                errors: [SpecFieldError(pointer: pointer, detail: detail)]).response()
    }

    func show(_ request: HTTPRequest) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard let record = jobs.job(id) else { return Problem.jobNotFound(id).response() }
        let artifacts = jobs.existingArtifacts(of: id)
        let body = pollBodies.body(of: record, artifacts: artifacts) {
            Array(APIJSON.data(JobView(record: record, artifacts: artifacts)))
        }
        return HTTPResponse(status: 200, contentType: "application/json", body: body)
    }

    func cancel(_ request: HTTPRequest) throws -> HTTPResponse {
        if let refusal = BearerToken.refusal(of: request, expected: token) { return refusal }
        let id = request.pathParameters["id"] ?? ""
        switch try jobs.cancel(id) {
        case .cancelled(let record): return json(200, view(record))
        case .stopping(let record): return json(202, view(record))
        case .alreadyFinished(let record):
            return Problem("job-finished", status: 409, title: "Job already finished",
                           detail: "job \(id) is \(record.state.rawValue); only queued or running jobs can be cancelled")
                .response()
        case .notFound: return Problem.jobNotFound(id).response()
        }
    }

    func delete(_ request: HTTPRequest) throws -> HTTPResponse {
        if let refusal = BearerToken.refusal(of: request, expected: token) { return refusal }
        let id = request.pathParameters["id"] ?? ""
        switch try jobs.delete(id) {
        case .deleted: return HTTPResponse(status: 204)
        case .stillRunning:
            return Problem("job-still-running", status: 409, title: "Job still stopping",
                           detail: "job \(id) is cancelled but a worker still holds one of its units (it lets go within a heartbeat); delete it again in a moment")
                .response(headers: ["Retry-After": "2"])
        case .notFound: return Problem.jobNotFound(id).response()
        }
    }

    // MARK: GET /jobs/{id}/events, GET /jobs/{id}/{artifact}

    func events(_ request: HTTPRequest) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        guard jobs.job(id) != nil else { return Problem.jobNotFound(id).response() }
        let headers: HTTPHeaders = ["Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                    "X-Accel-Buffering": "no"]
        let api = self
        // Subscribes only once the stream runs: a HEAD request never runs it.
        return HTTPResponse(status: 200, headers: headers, body: .stream { stream in
            api.pump(events: id, into: stream)
        })
    }

    /// Writes the job's events until the job ends or the client goes away.
    private func pump(events id: String, into stream: ResponseStream) {
        guard let feed = jobs.subscribe(to: id) else { return stream.finish() }
        defer {
            jobs.unsubscribe(feed, from: id)
            stream.finish()
        }
        // Reconnecting browsers wait 2 s rather than the default 3.
        guard stream.write(Array("retry: 2000\n\n".utf8)) else { return }
        while true {
            switch feed.next(timeout: keepAliveInterval) {
            case .event(let event):
                let data = APIJSON.data(view(event.job))
                guard stream.write(event.encoded(data: data)) else { return }
            case .timedOut:
                guard stream.write(Array(": keep-alive\n\n".utf8)) else { return }
            case .closed:
                return
            }
        }
    }

    func artifact(_ request: HTTPRequest) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        let name = request.pathParameters["file"] ?? ""
        guard let names = jobs.artifactNames(of: id) else { return Problem.jobNotFound(id).response() }
        guard names.contains(name) else {
            return Problem("artifact-not-found", status: 404, title: "No such artifact",
                           detail: "job \(id) has no file \"\(name)\"; its files are events, \(names.joined(separator: ", "))")
                .response()
        }
        guard jobs.existingArtifacts(of: id).contains(name) else {
            return Problem("artifact-not-found", status: 404, title: "Artifact not written yet",
                           detail: "job \(id) has not written \(name) yet").response()
        }
        let folder = jobs.artifactsRoot.appendingPathComponent(id, isDirectory: true)
        return StaticFiles(root: folder).response(for: request, relativePath: name)
    }

    // MARK: Helpers

    private func view(_ record: JobRecord) -> JobView {
        JobView(record: record, artifacts: jobs.existingArtifacts(of: record.id))
    }
}

/// The answer to `POST /jobs?dry_run=true`: what the job would cost and whether it would be accepted.
private struct DryRun: Encodable {
    var estimate: JobEstimate?
    var admissible: Bool
    var problems: [SpecFieldError]

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(estimate, forKey: .estimate)   // null when the data could not be looked at
        try c.encode(admissible, forKey: .admissible)
        try c.encode(problems, forKey: .problems)
    }

    enum CodingKeys: String, CodingKey { case estimate, admissible, problems }
}

private struct JobList: Encodable {
    var jobs: [JobView]
    var next: String?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jobs, forKey: .jobs)
        try c.encode(next, forKey: .next)   // null on the last page, never absent
    }

    enum CodingKeys: String, CodingKey { case jobs, next }
}

private func json<T: Encodable>(_ status: Int, _ value: T, headers: HTTPHeaders = [:]) -> HTTPResponse {
    HTTPResponse(status: HTTPStatus(status), contentType: "application/json", body: Array(APIJSON.data(value)), headers: headers)
}
