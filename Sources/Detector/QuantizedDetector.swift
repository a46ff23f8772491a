import Foundation
import ImageIO
import Inference
import Models
import Quantization
import SafeTensors
import Tensors

extension FlyDetector {
    /// The backbone's weights under the plans' torchvision names ("features.…").
    func backboneWeights() -> NamedWeights {
        var weights: NamedWeights = [:]
        for entry in features.stateEntries() { weights["features." + entry.name] = entry.get() }
        return weights
    }

    /// Static int8 backbone: int8 weights and activation ranges calibrated on `photos`, each
    /// letterboxed to the detector's input as in `detect`; activation codes of `activationBits`,
    /// GEMM weights of `weightBits` (see `QuantizedNetwork.quantize`).
    public func quantizedBackbone(calibration photos: [RGBImage], method: RangeMethod = .percentile(99.99), activationBits: Int = 8, weightBits: Int = 7,
                                  progress: (Int, Int) -> Void = { _, _ in }) throws -> QuantizedNetwork {
        guard !configuration.antialiased else { throw AntialiasedDetectorError() }
        eval()
        let side = configuration.inputSize
        let calibrator = try Calibrator(configuration: configuration.backbone, weights: backboneWeights(), inputHeight: side, inputWidth: side)
        for (i, photo) in photos.enumerated() {
            let boxed = Letterbox(photoWidth: photo.width, photoHeight: photo.height, side: side).apply(photo)
            var tensor = Tensor.uninitialized([1, boxed.height, boxed.width, 3])
            tensor.scalars.withUnsafeMutableBufferPointer { boxed.writeFloatHWC(into: $0, .imageNet) }
            calibrator.observe(tensor)
            progress(i + 1, photos.count)
        }
        return try QuantizedNetwork.quantize(configuration: configuration.backbone, weights: backboneWeights(),
                                             ranges: try calibrator.ranges(method), activationBits: activationBits,
                                             weightBits: weightBits)
    }
}

extension DetectorModelFile {
    /// Writes a detector with a static-int8 backbone: the int8 network's tensors (see
    /// QuantizedNetwork's file format) plus the neck and heads in fp16.
    public static func save(_ model: FlyDetector, threshold: Float, backbone: QuantizedNetwork, to path: String,
                            extra: [String: String] = [:]) throws {
        var metadata = try metadata(model, threshold: threshold, extra: extra)
        metadata[QuantizedNetwork.schemeKey] = QuantizationScheme.staticInt8.rawValue
        metadata.merge(backbone.metadata) { $1 }
        var entries = try backbone.entries()
        for entry in model.stateEntries() where !entry.name.hasPrefix("features.") {
            let t = entry.get()
            entries.append(try SafeTensorsEntry(name: entry.name, shape: t.shape, float16s: t.scalars))
        }
        try SafeTensorsFile(entries: entries, metadata: metadata).write(path: path)
    }

    /// The float model of a static-int8 file (dequantised backbone, stored neck and heads) with
    /// the int8 backbone attached.
    static func loadQuantized(_ file: SafeTensorsFile, path: String, configuration: FlyDetectorConfiguration) throws -> FlyDetector {
        guard file.metadata[QuantizedNetwork.schemeKey] == QuantizationScheme.staticInt8.rawValue else {
            throw ModelFileError(path: path, problem: "detectors are stored in fp32, fp16 or static-int8 (found '\(file.metadata[QuantizedNetwork.schemeKey] ?? "")')")
        }
        let model = FlyDetector(configuration)
        do {
            let network = try QuantizedNetwork(file: file, configuration: configuration.backbone)
            let needed = MobileNetV3Graph(configuration: configuration.backbone, inputHeight: 64, inputWidth: 64).calibratedTensors(head: false)
            if let missing = needed.first(where: { network.ranges[$0] == nil }) {
                throw QuantizedFileError(problem: "calibrated range 'range.\(missing)' is missing")
            }
            var entries = try network.dequantizedEntries()
            for entry in file.entries where !entry.name.hasPrefix("features.") && !entry.name.hasPrefix("range.") {
                entries.append(try SafeTensorsEntry(name: entry.name, shape: entry.shape, floats: try entry.floats()))
            }
            try model.loadState(from: try SafeTensorsFile(entries: entries), layout: .ohwi)
            model.eval()
            model.quantization = network
        } catch {
            throw ModelFileError(path: path, problem: "\(error)")
        }
        return model
    }
}

/// The int8 plans have no blur layers, so an anti-aliased detector cannot be quantized.
public struct AntialiasedDetectorError: Error, CustomStringConvertible {
    public var description: String { "an anti-aliased detector (\"antialiased\": true) cannot be quantized: the int8 plan has no blur layers" }
}
