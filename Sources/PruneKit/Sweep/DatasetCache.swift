import Foundation

/// The last dataset this process loaded, kept for the next sweep part that names the same data.
/// A worker runs a job's units one after another, each a `SweepRunner` of its own, and each
/// would otherwise read and decode the same files again (Fashion-MNIST: about half a second a
/// unit). At most one dataset is kept, and a spec naming other data drops it before loading, so
/// the process never holds two (the memory estimate counts one). Files are matched by path,
/// size and modification time, so a file replaced between units is read again.
final class DatasetCache: @unchecked Sendable {
    static let shared = DatasetCache()

    private struct FileStamp: Equatable {
        var path: String
        var size: Int64
        var modified: Int64
    }

    private struct Key: Equatable {
        var spec: DatasetSpec
        var files: [FileStamp]
    }

    private let lock = NSLock()
    private var kept: (key: Key, dataset: Dataset)?
    /// Loads from the source so far (tests).
    private(set) var loads = 0

    /// The dataset `spec` names: the one kept when its spec and files are unchanged, else loaded.
    func dataset(for spec: DatasetSpec) throws -> Dataset {
        let key = Key(spec: spec, files: Self.stamps(of: spec))
        lock.lock()
        defer { lock.unlock() }
        if let kept, kept.key == key { return kept.dataset }
        kept = nil
        loads += 1
        let dataset = try Dataset.load(spec)
        kept = (key, dataset)
        return dataset
    }

    /// The files a spec's data comes from (a folder's entries for IDX data).
    private static func stamps(of spec: DatasetSpec) -> [FileStamp] {
        var paths: [String] = []
        switch spec.source {
        case .fashionMNIST: paths = entries(of: Dataset.fashionMNISTFolder.path)
        case .idxFolder(let folder): paths = entries(of: folder.path)
        case .npz(let url): paths = [url.path]
        case .csv(let train, let test, _): paths = [train.path, test.path]
        case .synthetic: paths = []
        }
        return paths.map { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return FileStamp(path: path, size: -1, modified: -1) }
            return FileStamp(path: path, size: Int64(info.st_size),
                             modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        }
    }

    private static func entries(of folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { folder + "/" + $0 }
    }
}
