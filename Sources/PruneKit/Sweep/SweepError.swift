import Foundation

/// Why a sweep could not run, phrased for the person who started it.
public enum SweepError: Error, Equatable, CustomStringConvertible {
    /// The spec's network, sized for the loaded data, is beyond `SpecLimits.maxParameters`.
    case modelTooLarge(parameters: Int, limit: Int)
    /// The output folder holds results of a spec that trained or pruned differently.
    case outputDirectoryHoldsOtherSweep(path: String, differences: [String])
    /// A checkpoint whose network does not have the spec's shape.
    case checkpointMismatch(path: String, expected: [Int], found: [Int], expectedBias: Bool, foundBias: Bool)
    /// A file the runner wrote before (spec.json, results.csv) no longer reads back.
    case unreadableFile(path: String, detail: String)
    /// A combination of schedule fields and methods the engine does not run.
    case unrunnableSchedule(pointers: [String], message: String)
    /// Imported weights that cannot be read, or do not fit the spec or the data.
    case importedModel(pointer: String, message: String)
    /// Line units asked for by key that the spec's plan does not have.
    case unknownWorkUnits(keys: [String])
    /// A file a training unit writes (checkpoint, rewind snapshot, baseline) is not there when a
    /// later unit needs it: the units ran out of order, or the file was removed.
    case missingTrainingOutput(path: String, unit: String)
    /// A unit `WorkUnitRunner.run` does not run (the reports unit, drawn by `drawReports(rows:)`).
    case unitNeedsRows(key: String)
    /// The reports unit was given no rows of these line units.
    case missingUnitRows(keys: [String])

    /// The message for the person who started the sweep, naming the field or file at fault.
    public var description: String {
        switch self {
        case let .modelTooLarge(parameters, limit):
            return "/model/hidden: the network would have \(parameters) parameters for this dataset; at most \(limit) are allowed"
        case let .outputDirectoryHoldsOtherSweep(path, differences):
            return "\(path) holds results of a different sweep (\(differences.joined(separator: ", ")) differ); "
                + "choose another output folder or empty this one"
        case let .checkpointMismatch(path, expected, found, expectedBias, foundBias):
            return "\(path) holds a \(found.map(String.init).joined(separator: "-")) network\(foundBias ? " with biases" : ""), "
                + "but the spec asks for \(expected.map(String.init).joined(separator: "-"))\(expectedBias ? " with biases" : ""); "
                + "delete the checkpoint or choose another output folder"
        case let .unreadableFile(path, detail):
            return "\(path): \(detail)"
        case let .unrunnableSchedule(pointers, message):
            return "\(pointers.joined(separator: ", ")): \(message)"
        case let .importedModel(pointer, message):
            return "\(pointer): \(message)"
        case let .unknownWorkUnits(keys):
            return "the sweep's plan has no work unit \(keys.joined(separator: ", ")); see SweepPlan for the keys a spec's plan has"
        case let .missingTrainingOutput(path, unit):
            return "\(path) is missing: work unit \(unit) writes it and must be done before this unit runs "
                + "(a later unit never trains a repeat again)"
        case let .unitNeedsRows(key):
            return "work unit \(key) is drawn from every line's rows (WorkUnitRunner.drawReports(rows:)), not run"
        case let .missingUnitRows(keys):
            return "no rows were given for \(keys.count) line unit\(keys.count == 1 ? "" : "s") (\(keys.prefix(5).joined(separator: ", "))"
                + "\(keys.count > 5 ? ", ..." : "")); the reports need every line's rows"
        }
    }
}
