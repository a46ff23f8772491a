import Foundation
import ImageIO
import Inference
import Models
import Quantization
import SafeTensors
import Tensors

/// A trait classifier in one of the integer schemes: its int8 network and how it runs.
public struct QuantizedTraitModel: Sendable {
    public let scheme: QuantizationScheme
    public let network: QuantizedNetwork

    public init(scheme: QuantizationScheme, network: QuantizedNetwork) {
        precondition(scheme.isInteger, "fp16 files hold float weights")
        self.scheme = scheme
        self.network = network
    }
}

extension TraitClassifier {
    /// Quantises this (float) classifier: int8 weights, and for the static schemes activation
    /// ranges calibrated on `calibration` crops (resized to the model's input) with `method`.
    public func quantized(_ scheme: QuantizationScheme, calibration: [RGBImage], method: RangeMethod = .minMax,
                          activationBits: Int = 8, weightBits: Int = 7, progress: (Int, Int) -> Void = { _, _ in }) throws -> QuantizedTraitModel {
        precondition(scheme.isInteger, "fp16 is a storage choice: use TraitModelFile.save(float16:)")
        // The map head runs in float on the integer backbone's stride-16 features; only the
        // static scheme's plan hands those out (the dynamic plan and the int8-io interface are
        // the backbone's ends only).
        guard !configuration.usesKeypointMaps || scheme == .staticInt8 else { throw UnsupportedForQuantization(scheme: scheme) }
        eval()
        let weights = planWeights()
        var ranges: [String: ClosedRange<Float>] = [:]
        if scheme.isCalibrated {
            let side = configuration.inputSize
            let calibrator = try Calibrator(configuration: configuration.backbone, weights: weights, inputHeight: side, inputWidth: side)
            var start = 0
            while start < calibration.count {
                let chunk = Array(calibration[start..<min(start + 16, calibration.count)])
                calibrator.observe(TraitPredictor.inputTensor(chunk, side: side))
                start += chunk.count
                progress(start, calibration.count)
            }
            ranges = try calibrator.ranges(method)
        }
        let network = try QuantizedNetwork.quantize(configuration: configuration.backbone, weights: weights, ranges: ranges,
                                                    activationBits: scheme.isCalibrated ? activationBits : 8, weightBits: weightBits)
        return QuantizedTraitModel(scheme: scheme, network: network)
    }

    /// Float copies of an int8 network's weights in this model's layers (batch norm becomes
    /// the identity plus the folded bias), so explanations and training-side tools work on a
    /// quantised file too; a keypoint-map head comes from the file's own (fp16) entries.
    func loadDequantized(_ network: QuantizedNetwork, file: SafeTensorsFile) throws {
        // The trait and keypoint heads share the plan's "classifier.3": split it back.
        var entries = try network.dequantizedEntries().filter { !$0.name.hasPrefix("classifier.3.") }
        guard let last = network.layers["classifier.3"] else { throw QuantizedFileError(problem: "tensor 'classifier.3.weight' is missing") }
        let width = configuration.backbone.lastChannels
        let w = last.dequantized
        entries.append(try SafeTensorsEntry(name: "traits.weight", shape: [3, width], floats: Array(w[0..<(3 * width)])))
        entries.append(try SafeTensorsEntry(name: "traits.bias", shape: [3], floats: Array(last.bias[0..<3])))
        let k = configuration.regressedKeypointCount
        if k > 0 {
            entries.append(try SafeTensorsEntry(name: "keypoints.weight", shape: [k, width], floats: Array(w[(3 * width)...])))
            entries.append(try SafeTensorsEntry(name: "keypoints.bias", shape: [k], floats: Array(last.bias[3...])))
        }
        for entry in file.entries where entry.name.hasPrefix(Self.keypointMapsPrefix) {
            entries.append(try SafeTensorsEntry(name: entry.name, shape: entry.shape, floats: try entry.floats()))
        }
        try loadState(from: try SafeTensorsFile(entries: entries), layout: .ohwi)
    }

    /// Names of the keypoint-map head's tensors (see `children`).
    static let keypointMapsPrefix = "keypoint_maps."
}

extension TraitModelFile {
    /// Writes a quantised classifier: the int8 network plus the usual metadata and the scheme.
    public static func save(_ model: TraitClassifier, quantized: QuantizedTraitModel, to path: String, extra: [String: String] = [:]) throws {
        var metadata = extra
        metadata["architecture"] = architecture
        metadata["configuration"] = try ModelFileCheck.configurationMetadata(model.configuration)
        metadata["normalization"] = "imagenet"
        metadata[QuantizedNetwork.schemeKey] = quantized.scheme.rawValue
        metadata.merge(quantized.network.metadata) { $1 }
        if quantized.scheme == .int8IO {
            let input = quantized.network.quantization(of: "input") ?? AffineQuantization(range: 0...0)
            let output = quantized.network.quantization(of: "output") ?? AffineQuantization(range: 0...0)
            metadata["input_quantization"] = "scale \(input.scale) zero_point \(input.zeroPoint) (of ImageNet-normalised pixels)"
            metadata["output_quantization"] = "scale \(output.scale) zero_point \(output.zeroPoint)"
        }
        var entries = try quantized.network.entries()
        // A keypoint-map head stays float (fp16 storage), as a detector's neck does.
        for entry in model.stateEntries() where entry.name.hasPrefix(TraitClassifier.keypointMapsPrefix) {
            let t = entry.get()
            entries.append(try SafeTensorsEntry(name: entry.name, shape: t.shape, float16s: t.scalars))
        }
        try SafeTensorsFile(entries: entries, metadata: metadata).write(path: path)
    }

    /// The integer form of a file that holds one (nil for float files).
    static func quantizedNetwork(in file: SafeTensorsFile, path: String,
                                 configuration: TraitClassifierConfiguration) throws -> QuantizedTraitModel? {
        guard let name = file.metadata[QuantizedNetwork.schemeKey] else { return nil }
        guard let scheme = QuantizationScheme(rawValue: name), scheme.isInteger else {
            throw ModelFileError(path: path, problem: "unknown quantization scheme '\(name)'")
        }
        if configuration.usesKeypointMaps && scheme != .staticInt8 {
            throw ModelFileError(path: path, problem: "\(UnsupportedForQuantization(scheme: scheme))")
        }
        do {
            let network = try QuantizedNetwork(file: file, configuration: configuration.backbone)
            if scheme.isCalibrated {
                let needed = MobileNetV3Graph(configuration: configuration.backbone, inputHeight: 64, inputWidth: 64).calibratedTensors
                if let missing = needed.first(where: { network.ranges[$0] == nil }) {
                    throw QuantizedFileError(problem: "calibrated range 'range.\(missing)' is missing")
                }
            }
            return QuantizedTraitModel(scheme: scheme, network: network)
        } catch {
            throw ModelFileError(path: path, problem: "\(error)")
        }
    }
}

/// Integer quantisation of a keypoint-map model needs the backbone's stride-16 features, which
/// only the static-int8 plan hands out.
public struct UnsupportedForQuantization: Error, CustomStringConvertible {
    public let scheme: QuantizationScheme
    public init(scheme: QuantizationScheme) { self.scheme = scheme }
    public var description: String {
        "a trait classifier with keypoint maps quantises to static-int8 or fp16, not \(scheme.rawValue) (its map head reads the backbone's inner features)"
    }
}
