import Foundation
import HTTPServer
import PruneKit

/// `GET /compare.svg?jobs=ID1,ID2&metric=&x=`: several jobs' results overlaid (`CompareChart`);
/// `GET /compare/diff?jobs=A,B`: the resolved-spec fields in which two jobs differ (`SpecDiff`).
extension JobsAPI {
    /// Jobs a comparison may name: the pattern the OpenAPI document gives.
    static let maxComparedJobs = 20

    func compareSVG(_ request: HTTPRequest) -> HTTPResponse {
        var ids: [String]?
        var metric = CompareMetric.accuracy, axis = CompareAxis.sparsity
        var errors: [SpecFieldError] = []
        for (name, value) in request.query {
            switch name {
            case "jobs":
                switch Self.jobIDs(value, count: 1...Self.maxComparedJobs) {
                case .valid(let list): ids = list
                case .invalid(let found): errors += found
                }
            case "metric":
                if let m = CompareMetric(rawValue: value) { metric = m } else {
                    errors.append(SpecFieldError(pointer: "/metric", detail: "must be one of \(CompareMetric.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(value)\""))
                }
            case "x":
                if let a = CompareAxis(rawValue: value) { axis = a } else {
                    errors.append(SpecFieldError(pointer: "/x", detail: "must be one of \(CompareAxis.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(value)\""))
                }
            default:
                errors.append(SpecFieldError(pointer: "/\(name)", detail: "unknown query parameter \"\(name)\"; the parameters are jobs, metric and x"))
            }
        }
        if ids == nil && !errors.contains(where: { $0.pointer == "/jobs" }) {
            errors.append(SpecFieldError(pointer: "/jobs", detail: "is required: the ids of the jobs to compare, separated by commas"))
        }
        guard let ids, errors.isEmpty else { return Self.invalidComparison(errors) }
        var records: [JobRecord] = []
        for id in ids {
            guard let record = jobs.job(id) else { return Problem.jobNotFound(id).response() }
            records.append(record)
        }
        var compared: [ComparedJob] = []
        let names = CompareChart.legendNames(records.map(\.spec.name), distinguishers: records.map { String($0.id.prefix(8)) })
        for (record, name) in zip(records, names) {
            let url = jobs.artifactsRoot.appendingPathComponent(record.id, isDirectory: true).appendingPathComponent("results.csv")
            // A job that has measured nothing yet is in the comparison without points.
            let rows = (try? String(contentsOf: url, encoding: .utf8)).flatMap { try? ResultsCSV.decode($0) } ?? []
            compared.append(ComparedJob(name: name, rows: rows))
        }
        return svg(CompareChart.svg(compared, metric: metric, x: axis))
    }

    func compareDiff(_ request: HTTPRequest) -> HTTPResponse {
        var ids: [String]?
        var errors: [SpecFieldError] = []
        for (name, value) in request.query {
            if name == "jobs" {
                switch Self.jobIDs(value, count: 2...2) {
                case .valid(let list): ids = list
                case .invalid(let found): errors += found
                }
            } else {
                errors.append(SpecFieldError(pointer: "/\(name)", detail: "unknown query parameter \"\(name)\"; the only one is jobs"))
            }
        }
        if ids == nil && !errors.contains(where: { $0.pointer == "/jobs" }) {
            errors.append(SpecFieldError(pointer: "/jobs", detail: "is required: the ids of the two jobs to compare, separated by a comma"))
        }
        guard let ids, errors.isEmpty else { return Self.invalidComparison(errors) }
        var specs: [SweepSpec] = []
        for id in ids {
            guard let record = jobs.job(id) else { return Problem.jobNotFound(id).response() }
            specs.append(record.spec)
        }
        let document = SpecDiff.document(names: (ids[0], ids[1]), differences: SpecDiff.differences(specs[0], specs[1]))
        return HTTPResponse(status: 200, contentType: "application/json", body: Array(document.serialized()))
    }

    /// `ID1,ID2,...`: `count` job ids (UUIDs, compared in lower case), as the OpenAPI pattern says.
    static func jobIDs(_ text: String, count: ClosedRange<Int>) -> QueryParse<[String]> {
        let ids = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.lowercased() }
        let many = count.lowerBound == count.upperBound ? "exactly \(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)"
        guard count.contains(ids.count), ids.allSatisfy(isUUID) else {
            return .invalid([SpecFieldError(pointer: "/jobs", detail: "must be \(many) job ids (UUIDs) separated by commas, got \"\(text)\"")])
        }
        return .valid(ids)
    }

    /// 8-4-4-4-12 hexadecimal digits.
    static func isUUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) } }
    }

    static func invalidComparison(_ errors: [SpecFieldError]) -> HTTPResponse {
        Problem("invalid-query", status: 400, title: "Invalid query", detail: errors.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "),
                errors: errors).response()
    }
}
