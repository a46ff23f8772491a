import Foundation
import SafeTensors

/// A model or config file FlyTally cannot use; the message names the file (and the tensor or
/// field where there is one). Shared by the trait classifier and the detector.
public struct ModelFileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
}

/// The checks every FlyTally model file goes through on loading, in one place: the file is
/// safetensors, its `architecture` metadata is the expected one, and its `configuration`
/// metadata decodes. Every failure names the file.
public enum ModelFileCheck {
    public static func configuration<C: Decodable>(of file: SafeTensorsFile, path: String, architecture: String, kind: String,
                                                   as type: C.Type) throws(ModelFileError) -> C {
        guard file.metadata["architecture"] == architecture else {
            throw ModelFileError(path: path, problem: "not a FlyTally \(kind) (architecture '\(file.metadata["architecture"] ?? "missing")')")
        }
        guard let json = file.metadata["configuration"], let configuration = try? JSONDecoder().decode(C.self, from: Data(json.utf8)) else {
            throw ModelFileError(path: path, problem: "\(kind) configuration missing or unreadable")
        }
        return configuration
    }

    /// The `configuration` metadata a model file is written with: JSON with sorted keys, so the
    /// same model gives the same bytes (Foundation's key order is not stable on Linux, and the
    /// bundled models are regenerated files under version control).
    public static func configurationMetadata<C: Encodable>(_ configuration: C) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(configuration), as: UTF8.self)
    }
}
