import Foundation

extension HTTPResponse {
    /// An RFC 9457 problem document (`application/problem+json`) with `type` "about:blank".
    public static func problem(status: HTTPStatus, title: String, detail: String) -> HTTPResponse {
        let document: [String: Any] = ["type": "about:blank", "title": title, "status": status.code, "detail": detail]
        let body = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        return HTTPResponse(status: status, contentType: "application/problem+json", body: [UInt8](body))
    }

    /// A problem whose title is the status's reason phrase.
    static func problem(status: HTTPStatus, detail: String) -> HTTPResponse {
        problem(status: status, title: status.reasonPhrase, detail: detail)
    }
}
