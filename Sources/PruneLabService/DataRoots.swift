import Foundation
import PruneKit

/// The folders under which a spec sent over HTTP may name files: the Fashion-MNIST folder
/// always, and each `--data-root`. Any other path is refused (403) with the same words whether
/// or not it exists, so that a client cannot probe the server's disk; `..`, relative paths and
/// symlinks that lead out of a root are refused too. (`prunelab run`, a local user's own
/// command, has no such limit.)
struct DataRoots: Sendable {
    /// Each root as given (standardised) and with its symlinks resolved.
    private let roots: [(lexical: String, resolved: String)]

    init(extra: [URL] = []) {
        let all = [URL(fileURLWithPath: SpecFileChecks.fashionMNISTFolder)] + extra
        roots = all.map { url in
            let lexical = url.standardizedFileURL.path
            return (lexical, Self.resolved(lexical) ?? lexical)
        }
    }

    /// The path with every symlink resolved (nil when it does not exist).
    private static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    private static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// Whether a file named by a spec may be read.
    func allows(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        let components = path.split(separator: "/")
        guard !components.contains(".."), !components.contains(".") else { return false }
        let lexical = URL(fileURLWithPath: path).standardizedFileURL.path
        guard roots.contains(where: { Self.isInside(lexical, $0.lexical) || Self.isInside(lexical, $0.resolved) }) else { return false }
        // Symlinks: the deepest part of the path that exists, resolved, must still be in a root.
        var probe = lexical
        while Self.resolved(probe) == nil, probe != "/" { probe = (probe as NSString).deletingLastPathComponent }
        guard let real = Self.resolved(probe) else { return false }
        return roots.contains { Self.isInside(real, $0.resolved) }
    }

    /// One error per file the spec names outside the roots.
    func refusals(in spec: SweepSpec) -> [SpecFieldError] {
        let named: [(String, String?)] = [("/dataset/path", spec.dataset.path), ("/dataset/train", spec.dataset.train),
                                         ("/dataset/test", spec.dataset.test), ("/model/weights", spec.model.weights)]
        return named.compactMap { pointer, path in
            guard let path, !allows(path) else { return nil }
            return SpecFieldError(pointer: pointer, detail: "is not under one of the server's data roots (\(roots.map(\.lexical).joined(separator: ", ")); add others with --data-root); absolute paths without .. only, whether or not the file exists")
        }
    }
}
