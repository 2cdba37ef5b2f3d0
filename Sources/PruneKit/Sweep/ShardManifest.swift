import Foundation

/// `OUT/shards/i/shard.json`: what a finished shard did, for `merge`. Written last, atomically,
/// so its presence means the shard finished; it holds no clock or host, so running a shard again
/// writes the same bytes.
public struct ShardManifest: Codable, Sendable, Equatable {
    /// The unpruned network's test metrics of one repeat the shard trained or loaded.
    public struct Baseline: Codable, Sendable, Equatable {
        /// The repeat.
        public var repeatIndex: Int
        /// Its trained network's test accuracy and loss, before any pruning.
        public var evaluation: Evaluation

        enum CodingKeys: String, CodingKey {
            case repeatIndex = "repeat", evaluation
        }
    }

    /// The manifest's own format.
    public var formatVersion: Int
    /// `specHash(spec)`: shards of one sweep share it.
    public var specSHA256: String
    /// The spec the shard ran (resolved).
    public var spec: SweepSpec
    /// This shard, counted from 0.
    public var shard: Int
    /// How many shards the sweep was split into.
    public var shards: Int
    /// The keys of the units done (trainings and lines), in plan order.
    public var unitsDone: [String]
    /// The repeats trained or loaded, in repeat order.
    public var baselines: [Baseline]

    /// The manifest's file name inside a shard's folder.
    public static let fileName = "shard.json"
    /// This version's manifest format.
    public static let currentFormat = 1

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", specSHA256 = "spec_sha256", spec, shard, shards
        case unitsDone = "units_done", baselines
    }

    /// A manifest of this format.
    public init(spec: SweepSpec, shard: ShardIndex, unitsDone: [String], baselines: [Baseline]) throws {
        formatVersion = Self.currentFormat
        specSHA256 = try Self.specHash(spec)
        self.spec = spec
        self.shard = shard.index
        self.shards = shard.count
        self.unitsDone = unitsDone
        self.baselines = baselines
    }

    /// SHA-256 of the spec's JSON with sorted keys: the same spec gives the same hash on every machine.
    public static func specHash(_ spec: SweepSpec) throws -> String {
        SHA256.hex(try encoded(spec))
    }

    /// Sorted, indented JSON (a manifest or a spec).
    static func encoded<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }

    /// The manifest as written to disk.
    public func encoded() throws -> Data { try Self.encoded(self) }

    /// Reads the manifest at `url`; throws `unreadableFile` naming it when it is not one this version reads.
    public static func read(from url: URL) throws -> ShardManifest {
        let manifest: ShardManifest
        do {
            manifest = try JSONDecoder().decode(ShardManifest.self, from: Data(contentsOf: url))
        } catch {
            throw SweepError.unreadableFile(path: url.path, detail: "not a shard manifest PruneLab wrote (\(error))")
        }
        guard manifest.formatVersion <= currentFormat else {
            throw SweepError.unreadableFile(path: url.path, detail: "manifest format \(manifest.formatVersion) is newer than this PruneLab reads (up to \(currentFormat))")
        }
        guard manifest.specSHA256 == (try? specHash(manifest.spec)) else {
            throw SweepError.unreadableFile(path: url.path, detail: "its spec_sha256 is not the hash of its spec (edited by hand?)")
        }
        return manifest
    }
}
