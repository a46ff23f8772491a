import Architectures
import Inference
import SafeTensors
import Tensors

/// The post-training quantisation schemes FlyTally writes and runs.
public enum QuantizationScheme: String, Sendable, CaseIterable {
    /// Weights stored as IEEE half precision, converted to fp32 at load; fp32 arithmetic.
    case fp16
    /// int8 weights; activations quantised per batch at run time; integer GEMMs, float between layers.
    case dynamicInt8 = "dynamic-int8"
    /// int8 weights and calibrated uint8 activations; integer arithmetic between layers.
    case staticInt8 = "static-int8"
    /// static-int8 whose interface is uint8 too (input and output codes, no float at either end).
    case int8IO = "int8-io"

    /// Whether the file holds a `QuantizedNetwork` (int8 weights) rather than float weights.
    public var isInteger: Bool { self != .fp16 }
    /// Whether the file carries calibrated activation ranges.
    public var isCalibrated: Bool { self == .staticInt8 || self == .int8IO }
}

/// A model file's problem with its quantised tensors.
public struct QuantizedFileError: Error, CustomStringConvertible {
    public let problem: String
    public var description: String { problem }
    public init(problem: String) { self.problem = problem }
}

/// Storage of a `QuantizedNetwork` in safetensors: per layer "<name>.weight" (I8; OHWI or
/// [out, in]), "<name>.weight_scale" (F32, one per output channel), "<name>.bias" (F32); the
/// squeeze-excite weights as I8 with per-row scales too (dequantised at load: they run in
/// float); each calibrated range as "range.<tensor>" (F32 [2]). The scheme is in the metadata
/// under "quantization".
extension QuantizedNetwork {
    public static let schemeKey = "quantization"
    /// Bits of the activation codes, "8" or "7" (absent: 8).
    public static let activationBitsKey = "activation_bits"
    static let rangePrefix = "range."

    public func entries() throws -> [SafeTensorsEntry] {
        var entries: [SafeTensorsEntry] = []
        let graph = MobileNetV3Graph(configuration: configuration, inputHeight: 64, inputWidth: 64)
        var shapes: [String: [Int]] = [:]
        for c in graph.convolutions {
            let g = c.geometry
            shapes[c.name] = [g.outChannels, g.kernelH, g.kernelW, g.inChannelsPerGroup]
        }
        shapes["classifier.0"] = [configuration.lastChannels, graph.finalChannels]   // only in networks with a head
        shapes["classifier.3"] = [configuration.outputCount, configuration.lastChannels]
        for name in layers.keys.sorted() {
            let layer = layers[name]!
            guard let shape = shapes[name] else { throw QuantizedFileError(problem: "layer '\(name)' is not part of this architecture") }
            entries.append(try SafeTensorsEntry(name: name + ".weight", shape: shape, int8s: layer.weight))
            entries.append(try SafeTensorsEntry(name: name + ".weight_scale", shape: [layer.scale.count], floats: layer.scale))
            entries.append(try SafeTensorsEntry(name: name + ".bias", shape: [layer.bias.count], floats: layer.bias))
        }
        for name in squeezeExcite.keys.sorted() {
            let t = squeezeExcite[name]!
            if name.hasSuffix(".weight") {
                let rows = t.shape[0]
                let q = QuantizedNetwork.quantizeWeights(t.scalars, channels: rows, limit: 127)
                entries.append(try SafeTensorsEntry(name: name, shape: t.shape, int8s: q.values))
                entries.append(try SafeTensorsEntry(name: name + "_scale", shape: [rows], floats: q.scales))
            } else {
                entries.append(try SafeTensorsEntry(name: name, shape: t.shape, floats: t.scalars))
            }
        }
        for name in ranges.keys.sorted() {
            let r = ranges[name]!
            entries.append(try SafeTensorsEntry(name: Self.rangePrefix + name, shape: [2], floats: [r.lowerBound, r.upperBound]))
        }
        return entries
    }

    /// Reads the network back; `configuration` comes from the file's own metadata (the caller
    /// parses it). Every problem names the tensor.
    public init(file: SafeTensorsFile, configuration: MobileNetV3Configuration) throws(QuantizedFileError) {
        func floats(_ name: String, count: Int) throws(QuantizedFileError) -> [Float] {
            guard let e = file[name] else { throw QuantizedFileError(problem: "tensor '\(name)' is missing") }
            guard e.elementCount == count else { throw QuantizedFileError(problem: "tensor '\(name)' has \(e.elementCount) values, expected \(count)") }
            do { return try e.floats() } catch { throw QuantizedFileError(problem: "tensor '\(name)': \(error)") }
        }
        func int8s(_ name: String, count: Int) throws(QuantizedFileError) -> [Int8] {
            guard let e = file[name] else { throw QuantizedFileError(problem: "tensor '\(name)' is missing") }
            guard e.dtype == .i8 else { throw QuantizedFileError(problem: "tensor '\(name)' is \(e.dtype), expected I8") }
            guard e.elementCount == count else { throw QuantizedFileError(problem: "tensor '\(name)' has \(e.elementCount) values, expected \(count)") }
            return e.data.map { Int8(bitPattern: $0) }
        }
        let graph = MobileNetV3Graph(configuration: configuration, inputHeight: 64, inputWidth: 64)
        var layers: [String: Layer] = [:]
        var specs = graph.convolutions.map { c in
            (name: c.name, outputs: c.geometry.outChannels, count: c.geometry.outChannels * c.geometry.kernelH * c.geometry.kernelW * c.geometry.inChannelsPerGroup,
             depthwise: c.geometry.isDepthwise)
        }
        if file["classifier.0.weight"] != nil {   // absent in detector backbones
            specs.append(("classifier.0", configuration.lastChannels, configuration.lastChannels * graph.finalChannels, false))
            specs.append(("classifier.3", configuration.outputCount, configuration.outputCount * configuration.lastChannels, false))
        }
        for spec in specs {
            let weight = try int8s(spec.name + ".weight", count: spec.count)
            let limit = Int8(QuantizedNetwork.weightLimit(depthwise: spec.depthwise))
            guard weight.allSatisfy({ $0 >= -limit && $0 <= limit }) else {
                throw QuantizedFileError(problem: "tensor '\(spec.name).weight' has values outside [-\(limit), \(limit)]")
            }
            let scale = try floats(spec.name + ".weight_scale", count: spec.outputs)
            guard scale.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw QuantizedFileError(problem: "tensor '\(spec.name).weight_scale' is not positive and finite") }
            layers[spec.name] = Layer(weight: weight, scale: scale, bias: try floats(spec.name + ".bias", count: spec.outputs))
        }
        var se: NamedWeights = [:]
        for case .squeezeExcite(let s) in graph.steps {
            for (fc, rows, columns) in [("fc1", s.squeezeChannels, s.channels), ("fc2", s.channels, s.squeezeChannels)] {
                let name = "\(s.prefix).\(fc)"
                let q = try int8s(name + ".weight", count: rows * columns)
                let scales = try floats(name + ".weight_scale", count: rows)
                var w = [Float](repeating: 0, count: rows * columns)
                for r in 0..<rows { for c in 0..<columns { w[r * columns + c] = Float(q[r * columns + c]) * scales[r] } }
                se[name + ".weight"] = Tensor(shape: [rows, 1, 1, columns], scalars: w)
                se[name + ".bias"] = Tensor(shape: [rows], scalars: try floats(name + ".bias", count: rows))
            }
        }
        var ranges: [String: ClosedRange<Float>] = [:]
        for entry in file.entries where entry.name.hasPrefix(Self.rangePrefix) {
            let pair = try floats(entry.name, count: 2)
            guard pair[0].isFinite, pair[1].isFinite, pair[0] <= pair[1] else {
                throw QuantizedFileError(problem: "tensor '\(entry.name)' is not a finite range")
            }
            ranges[String(entry.name.dropFirst(Self.rangePrefix.count))] = pair[0]...pair[1]
        }
        let bits: Int
        switch file.metadata[Self.activationBitsKey] {
        case nil: bits = 8   // files from before 7-bit codes existed
        case let text?:
            guard let b = Int(text), QuantizedNetwork.allowedActivationBits.contains(b) else {
                throw QuantizedFileError(problem: "metadata '\(Self.activationBitsKey)' is '\(text)', expected 8 or 7")
            }
            bits = b
        }
        self.init(configuration: configuration, layers: layers, squeezeExcite: se, ranges: ranges, activationBits: bits)
    }

    /// Metadata a file of this network must carry besides the scheme (merged in by the savers).
    public var metadata: [String: String] { [Self.activationBitsKey: String(activationBits)] }
}
