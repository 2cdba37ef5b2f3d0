import Foundation

extension SweepSpec {
    /// The fields naming uploads (`model.uploaded`, `dataset.uploaded`, `dataset.train_uploaded`,
    /// `dataset.test_uploaded`) that are still ids. `prunelab serve` replaces each with the path
    /// of its file before a job runs; a spec that still has one cannot run (e.g. with
    /// `prunelab run`, which has no upload folder).
    public var unresolvedUploads: [(pointer: String, id: String)] {
        [("/model/uploaded", model.uploaded), ("/dataset/uploaded", dataset.uploaded),
         ("/dataset/train_uploaded", dataset.trainUploaded), ("/dataset/test_uploaded", dataset.testUploaded)]
            .compactMap { pointer, id in id.map { (pointer, $0) } }
    }

    /// Refuses a spec whose uploads were not resolved to files.
    func checkUploadsResolved() throws {
        guard let (pointer, id) = unresolvedUploads.first else { return }
        throw DataFileError(path: pointer, problem: "names the upload \"\(id)\", which only the server that stored it resolves to its file; submit the spec to that server, or name the file itself (model.weights, dataset.path, dataset.train / test)")
    }
}
