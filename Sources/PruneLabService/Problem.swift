import Foundation
import HTTPServer
import PruneKit

/// An error answer in the RFC 9457 `application/problem+json` format. `type` names the kind of
/// problem (a URN: not meant to be fetched); `errors` lists every bad field of a rejected spec.
struct Problem: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var errors: [SpecFieldError]?
    /// A refusal over the server's limits carries the estimate it was judged by.
    var estimate: JobEstimate?

    init(_ kind: String, status: Int, title: String, detail: String, errors: [SpecFieldError]? = nil) {
        self.type = "urn:prunelab:problem:\(kind)"
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
    }

    func response(headers: HTTPHeaders = [:]) -> HTTPResponse {
        HTTPResponse(status: HTTPStatus(status), contentType: "application/problem+json",
                     body: Array(APIJSON.data(self)), headers: headers)
    }

    static func jobNotFound(_ id: String) -> Problem {
        Problem("job-not-found", status: 404, title: "No such job", detail: "there is no job with id \"\(id)\"")
    }
}
