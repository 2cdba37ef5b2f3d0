import Foundation
import PruneKit

/// The job records of PruneLab versions before the store: `<state>/jobs/<id>.json`, one JSON
/// object per job (the service's `JobRecord`). Only what the store keeps is read: the id, state,
/// spec, times and error; a queued or running job gets its plan's units so that a worker resumes
/// it (from its checkpoint and rows), and a cancellation asked for before the stop is honoured.
public struct EarlierJobRecord: Sendable, Equatable {
    public var id: String
    public var state: StoredJobState
    public var spec: SweepSpec
    public var createdAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    public var error: String?

    /// Reads one record file; the error names the field that is missing or wrong.
    public init(contentsOf file: URL) throws {
        let data = try Data(contentsOf: file)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw EarlierRecordError(file: file, reason: "not a JSON object")
        }
        func text(_ key: String) throws -> String {
            guard let value = object[key] as? String else { throw EarlierRecordError(file: file, reason: "/\(key) is missing or not a string") }
            return value
        }
        func date(_ key: String) throws -> Double? {
            guard let value = object[key] else { return nil }
            guard let string = value as? String, let date = Self.parseDate(string) else {
                throw EarlierRecordError(file: file, reason: "/\(key) is not an ISO 8601 date")
            }
            return date
        }
        id = try text("id")
        guard id + ".json" == file.lastPathComponent else { throw EarlierRecordError(file: file, reason: "it holds job \(id)") }
        guard let state = StoredJobState(rawValue: try text("state")) else {
            throw EarlierRecordError(file: file, reason: "/state is not one of \(StoredJobState.allCases.map(\.rawValue))")
        }
        guard let specObject = object["spec"] else { throw EarlierRecordError(file: file, reason: "/spec is missing") }
        do {
            spec = try JSONDecoder().decode(SweepSpec.self, from: JSONSerialization.data(withJSONObject: specObject))
        } catch {
            throw EarlierRecordError(file: file, reason: "/spec cannot be read: \(error)")
        }
        guard let created = try date("created_at") else { throw EarlierRecordError(file: file, reason: "/created_at is missing") }
        createdAt = created
        startedAt = try date("started_at")
        finishedAt = try date("finished_at")
        error = object["error"] as? String
        // A job stopped mid-run resumes from the queue; one whose cancellation was asked for ends cancelled.
        let cancelRequested = object["cancel_requested"] as? Bool ?? false
        switch state {
        case .queued, .running: self.state = cancelRequested ? .cancelled : .queued
        case .succeeded, .failed, .cancelled: self.state = state
        }
    }

    static func parseDate(_ text: String) -> Double? {
        let precise = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let plain = Date.ISO8601FormatStyle()
        return ((try? precise.parse(text)) ?? (try? plain.parse(text)))?.timeIntervalSince1970
    }

    /// Every `*.json` in `<stateDirectory>/jobs`, in name order, read or with the reason it cannot be.
    public static func load(stateDirectory: URL) -> [(file: URL, record: Result<EarlierJobRecord, EarlierRecordError>)] {
        let folder = stateDirectory.appendingPathComponent("jobs", isDirectory: true)
        let files = ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        return files.map { file in
            do { return (file, .success(try EarlierJobRecord(contentsOf: file))) }
            catch let error as EarlierRecordError { return (file, .failure(error)) }
            catch { return (file, .failure(EarlierRecordError(file: file, reason: "\(error)"))) }
        }
    }
}

/// A record file that cannot be imported, and why.
public struct EarlierRecordError: Error, Equatable, CustomStringConvertible {
    public var file: URL
    public var reason: String
    public var description: String { "job record \(file.path) cannot be imported: \(reason)" }
}

/// What an import of earlier records did.
public struct EarlierRecordsImport: Sendable, Equatable {
    /// False when the store had imported before (it imports once, on its first start).
    public var ran: Bool
    public var imported: [String] = []
    /// Ids already in the store.
    public var skipped: [String] = []
    /// Files left as they are, with the reason (they stay in place, so nothing is lost).
    public var unreadable: [EarlierRecordError] = []

    public init(ran: Bool, imported: [String] = [], skipped: [String] = [], unreadable: [EarlierRecordError] = []) {
        self.ran = ran
        self.imported = imported
        self.skipped = skipped
        self.unreadable = unreadable
    }
}
