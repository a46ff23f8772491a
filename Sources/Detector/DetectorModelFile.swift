import Foundation
import Models
import SafeTensors

/// Detector model files: safetensors with the weights (OHWI), the configuration and the
/// operating threshold in the metadata.
public enum DetectorModelFile {
    public static let architecture = "flytally-fly-detector"

    public static func save(_ model: FlyDetector, threshold: Float, to path: String, extra: [String: String] = [:], float16: Bool = false) throws {
        try model.stateFile(layout: .ohwi, metadata: try metadata(model, threshold: threshold, extra: extra), float16: float16).write(path: path)
    }

    /// What every detector file records besides its tensors.
    static func metadata(_ model: FlyDetector, threshold: Float, extra: [String: String]) throws -> [String: String] {
        var metadata = extra
        metadata["architecture"] = architecture
        metadata["configuration"] = try ModelFileCheck.configurationMetadata(model.configuration)
        metadata["normalization"] = "imagenet"
        metadata["threshold"] = String(threshold)
        metadata["outputs"] = "heat_logit,width,height,offset_x,offset_y"
        return metadata
    }

    /// Reads a model file; every problem names the file.
    public static func load(_ path: String) throws -> (model: FlyDetector, threshold: Float) {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(path: path) } catch { throw ModelFileError(path: path, problem: "\(error)") }
        // A training checkpoint can be evaluated too (its weights are under "model.").
        if file.metadata["flytally.checkpoint"] != nil { return try loadCheckpoint(file, path: path) }
        let configuration = try ModelFileCheck.configuration(of: file, path: path, architecture: architecture, kind: "fly detector",
                                                             as: FlyDetectorConfiguration.self)
        let threshold = file.metadata["threshold"].flatMap(Float.init) ?? FlyDetector.defaultThreshold
        if file.metadata["quantization"] != nil { return (try loadQuantized(file, path: path, configuration: configuration), threshold) }
        let model = FlyDetector(configuration)
        do { try model.loadState(from: file) } catch { throw ModelFileError(path: path, problem: "\(error)") }
        model.eval()
        return (model, threshold)
    }

    static func loadCheckpoint(_ file: SafeTensorsFile, path: String) throws -> (model: FlyDetector, threshold: Float) {
        var configuration = FlyDetectorConfiguration.fast
        if let json = file.metadata["note.configuration"] {
            guard let c = try? JSONDecoder().decode(FlyDetectorConfiguration.self, from: Data(json.utf8)) else {
                throw ModelFileError(path: path, problem: "checkpoint's detector configuration is unreadable")
            }
            configuration = c
        }
        let model = FlyDetector(configuration)
        do { try model.loadState(from: file, prefix: "model.") } catch {
            throw ModelFileError(path: path, problem: "not a detector checkpoint (\(error))")
        }
        model.eval()
        return (model, file.metadata["note.threshold"].flatMap(Float.init) ?? FlyDetector.defaultThreshold)
    }
}
