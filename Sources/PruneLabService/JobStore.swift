import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PruneKit

/// The jobs on disk: `<stateDirectory>/jobs/<id>.json`, one record per file, each written to a
/// temporary file, flushed, and renamed over the old one, so a crash leaves the old record or
/// the new one, never half of either.
public struct JobStore: Sendable {
    public let directory: URL

    /// A record file that could not be read on load; it was moved to `movedTo`.
    public struct DamagedRecord: Sendable, CustomStringConvertible {
        public var file: URL
        public var movedTo: URL
        public var reason: String
        public var description: String {
            "job record \(file.path) is unreadable (\(reason)); moved it to \(movedTo.path)"
        }
    }

    public init(stateDirectory: URL) throws {
        directory = stateDirectory.appendingPathComponent("jobs", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public func fileURL(for id: String) -> URL {
        directory.appendingPathComponent(id + ".json")
    }

    /// Tests only: called before each save; an error it returns fails that save.
    var faultBeforeSave: (@Sendable (JobRecord) -> Error?)?

    public func save(_ record: JobRecord) throws {
        if let fault = faultBeforeSave?(record) { throw fault }
        let data = try Self.encoder.encode(record)
        try AtomicFile.write(data, to: fileURL(for: record.id))
    }

    /// Deletes a job's record (nothing to do when there is none), durably.
    public func remove(_ id: String) throws {
        let url = fileURL(for: id)
        guard unlink(url.path) == 0 || errno == ENOENT else {
            throw NSError(domain: NSPOSIXErrorDomain, code: Int(errno),
                          userInfo: [NSLocalizedDescriptionKey: "cannot delete \(url.path): \(String(cString: strerror(errno)))"])
        }
        try AtomicFile.syncDirectory(directory)
    }

    /// Every readable record, oldest first. Unreadable files are moved to `damaged/` and reported,
    /// so one bad file never stops the service nor hides the other jobs.
    public func loadAll() -> (records: [JobRecord], damaged: [DamagedRecord]) {
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        var records: [JobRecord] = []
        var damaged: [DamagedRecord] = []
        for file in files where file.pathExtension == "json" {
            do {
                let record = try Self.decoder.decode(JobRecord.self, from: Data(contentsOf: file))
                guard record.id + ".json" == file.lastPathComponent else {
                    throw StoreError("it holds job \(record.id)")
                }
                records.append(record)
            } catch {
                let reason = (error as? StoreError)?.message ?? String(describing: error)
                damaged.append(DamagedRecord(file: file, movedTo: moveAside(file), reason: reason))
            }
        }
        records.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return (records, damaged)
    }

    private func moveAside(_ file: URL) -> URL {
        let folder = directory.appendingPathComponent("damaged", isDirectory: true)
        let stamp = Int(Date().timeIntervalSince1970)
        let target = folder.appendingPathComponent("\(file.lastPathComponent).\(stamp)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: file, to: target)
            return target
        } catch {
            return file  // could not move it: it stays, and is reported again on the next start
        }
    }

    private struct StoreError: Error { var message: String; init(_ m: String) { message = m } }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = Timestamp.encoding
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = Timestamp.decoding
        return d
    }()
}

/// ISO 8601 with milliseconds: jobs submitted within one second keep their order across restarts.
enum Timestamp {
    private static let precise = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let plain = Date.ISO8601FormatStyle()

    static let encoding = JSONEncoder.DateEncodingStrategy.custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(precise.format(date))
    }

    static let decoding = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        if let date = (try? precise.parse(text)) ?? (try? plain.parse(text)) { return date }
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 date: \(text)")
    }
}
