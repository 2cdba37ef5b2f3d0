import Foundation
import HTTPServer
import PruneKit

/// What an upload is for: the route it came in by and the folder it lives in.
enum UploadKind: String, Codable, CaseIterable, Sendable {
    case model, dataset

    /// `/models`, `/datasets`, and the folder under the upload root.
    var collection: String { rawValue + "s" }
}

/// The file formats an upload may have; a dataset's is told from its first bytes.
enum UploadFormat: String, Codable, Sendable {
    case safetensors, npz, csv
}

/// One stored upload, as the API shows it and as its sidecar `ID.json` keeps it.
struct UploadRecord: Codable, Equatable, Sendable {
    struct ModelContents: Codable, Equatable, Sendable {
        /// Inputs, then each layer's outputs.
        var layerSizes: [Int]
        var bias: Bool
        /// How the tensors were read: "PyTorch nn.Sequential", "named layers" (`layers`) or "PruneLab".
        var layout: String
        var layers: [String]?
        enum CodingKeys: String, CodingKey { case layerSizes = "layer_sizes", bias, layout, layers }
    }

    struct ArrayContents: Codable, Equatable, Sendable {
        var name: String
        var dtype: String
        var shape: [Int]
    }

    struct DatasetContents: Codable, Equatable, Sendable {
        /// `.npz`: x_train, y_train, x_test, y_test with their types and shapes.
        var arrays: [ArrayContents]?
        /// CSV: the header's columns, and which one holds the labels.
        var columns: [String]?
        var labelColumn: String?
        var samples: Int
        var features: Int
        var classes: Int
        enum CodingKeys: String, CodingKey { case arrays, columns, labelColumn = "label_column", samples, features, classes }
    }

    var id: String
    var kind: UploadKind
    var format: UploadFormat
    var bytes: Int
    var sha256: String
    var created: Date
    var model: ModelContents?
    var dataset: DatasetContents?
}

/// A file that cannot be accepted: what is wrong with it, never its bytes.
struct UploadRefusal: Error, Equatable {
    var status: Int
    var detail: String
}

/// Uploaded networks and datasets under one folder (`<public>/uploads/{models,datasets}/ID.ext`
/// with a sidecar `ID.json`), beside the job artifacts so that every worker reaches them. A body
/// arrives in `incoming/` (the server's spool folder, on the same file system), is checked with
/// the readers a sweep uses, and is renamed into place only when it passes.
struct UploadStore: Sendable {
    let root: URL
    /// The spool folder of the upload routes (hidden from static file serving).
    var incoming: URL { root.appendingPathComponent(".incoming", isDirectory: true) }

    init(root: URL) throws {
        self.root = root
        for folder in UploadKind.allCases.map(folder) + [incoming] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        // Bodies left by a server that stopped mid-upload. A live upload's file grows at least
        // every body timeout (30 s), so one untouched for 10 minutes is abandoned (another server
        // sharing the folder may be receiving the others).
        let stale = Date().addingTimeInterval(-600)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: incoming.path)) ?? [] {
            let file = incoming.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate]) as? Date
            if let modified, modified < stale { try? FileManager.default.removeItem(at: file) }
        }
    }

    func folder(_ kind: UploadKind) -> URL { root.appendingPathComponent(kind.collection, isDirectory: true) }

    func file(of record: UploadRecord) -> URL {
        folder(record.kind).appendingPathComponent("\(record.id).\(record.format.rawValue)")
    }

    private func sidecar(_ kind: UploadKind, _ id: String) -> URL {
        folder(kind).appendingPathComponent("\(id).json")
    }

    /// Ids are 20 lowercase hex digits, so a path parameter that is not one is refused unread.
    static func isValidID(_ id: String) -> Bool {
        id.utf8.count == 20 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    // MARK: Accepting

    /// Checks the spooled body and stores it. Returns the record and whether it is new (an
    /// identical upload gets the id it had before).
    func accept(_ body: SpooledBody, kind: UploadKind, labelColumn: String?, layers: [String]?) throws(UploadRefusal) -> (UploadRecord, created: Bool) {
        guard body.byteCount > 0 else {
            throw UploadRefusal(status: 400, detail: "the request body is empty; send the file's bytes as the body (curl --data-binary @FILE)")
        }
        let format = try Self.format(of: body.file, kind: kind)
        let sha256: String
        do { sha256 = try SHA256.hex(ofFile: body.file) } catch {
            throw UploadRefusal(status: 500, detail: "the uploaded file could not be read back")
        }
        // Content-derived: the same bytes read the same way get the same id.
        let seed = [kind.rawValue, format.rawValue, sha256, labelColumn ?? "", (layers ?? []).joined(separator: ",")].joined(separator: "\n")
        let id = String(SHA256.hex(of: Array(seed.utf8)).prefix(20))
        if let existing = record(kind, id) { return (existing, false) }

        var record = UploadRecord(id: id, kind: kind, format: format, bytes: body.byteCount, sha256: sha256, created: Date())
        do {
            switch format {
            case .safetensors:
                let architecture = try ModelImport.architecture(at: body.file, layers: layers)
                _ = try ModelImport.read(at: body.file, layers: layers)   // every value converts
                record.model = .init(layerSizes: architecture.layerSizes, bias: architecture.hasBias,
                                     layout: architecture.layout.rawValue, layers: layers)
            case .npz:
                let summary = try DatasetFileInspection.npz(body.file)
                record.dataset = .init(arrays: summary.arrays.map { .init(name: $0.name, dtype: $0.dtype, shape: $0.shape) },
                                       samples: summary.samples, features: summary.features, classes: summary.classes)
            case .csv:
                let summary = try DatasetFileInspection.csv(body.file, labelColumn: labelColumn ?? "label")
                record.dataset = .init(columns: summary.columns, labelColumn: summary.labelColumn,
                                       samples: summary.samples, features: summary.features, classes: summary.classes)
            }
        } catch let error as DataFileError {
            // The reader's words without its path (the server's temporary file).
            throw UploadRefusal(status: 422, detail: "the uploaded \(format.rawValue) file \(error.problem)")
        } catch {
            throw UploadRefusal(status: 422, detail: "the uploaded \(format.rawValue) file cannot be read")
        }
        // The file first, then its record: a listing never shows an upload whose file is missing.
        // rename(2) replaces atomically, so two identical uploads at once both end with this file.
        guard rename(body.file.path, file(of: record).path) == 0 else {
            throw UploadRefusal(status: 500, detail: "the server could not store the upload")
        }
        do {
            try APIJSON.data(record).write(to: sidecar(kind, id), options: .atomic)
        } catch {
            throw UploadRefusal(status: 500, detail: "the server could not store the upload's record")
        }
        return (record, true)
    }

    /// safetensors for models; for datasets, a zip (an .npz) or else text (a CSV).
    private static func format(of url: URL, kind: UploadKind) throws(UploadRefusal) -> UploadFormat {
        guard kind == .dataset else { return .safetensors }
        let start = (try? FileHandle(forReadingFrom: url)).flatMap { handle in
            defer { try? handle.close() }
            return try? handle.read(upToCount: 4096)
        } ?? Data()
        if start.starts(with: [0x50, 0x4B, 0x03, 0x04]) || start.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .npz }
        guard start.allSatisfy({ $0 == 9 || $0 == 10 || $0 == 13 || $0 >= 0x20 }), isUTF8Prefix(start) else {
            throw UploadRefusal(status: 422, detail: "the uploaded dataset is neither an .npz (a zip archive) nor a CSV text file")
        }
        return .csv
    }

    // MARK: Reading and deleting

    func record(_ kind: UploadKind, _ id: String) -> UploadRecord? {
        guard Self.isValidID(id), let data = try? Data(contentsOf: sidecar(kind, id)),
              let record = try? recordDecoder.decode(UploadRecord.self, from: data),
              FileManager.default.fileExists(atPath: file(of: record).path) else { return nil }
        return record
    }

    /// Newest first.
    func records(_ kind: UploadKind) -> [UploadRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder(kind).path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { record(kind, String($0.dropLast(5))) }
            .sorted { ($0.created, $0.id) > ($1.created, $1.id) }
    }

    /// Removes the upload; false when there is none. Jobs that already read it keep what they read.
    func delete(_ kind: UploadKind, _ id: String) -> Bool {
        guard let record = record(kind, id) else { return false }
        try? FileManager.default.removeItem(at: sidecar(kind, id))
        try? FileManager.default.removeItem(at: file(of: record))
        return true
    }
}

/// Whether `data` is UTF-8, allowing one character cut off at its end (it is a file's first bytes).
private func isUTF8Prefix(_ data: Data) -> Bool {
    (0...min(3, data.count)).contains { cut in String(data: data.dropLast(cut), encoding: .utf8) != nil }
}

private let recordDecoder: JSONDecoder = {
    let d = JSONDecoder()
    d.dateDecodingStrategy = Timestamp.decoding
    return d
}()
