import Architectures
import TensorKernels
import Tensors

/// uint8 quantisation of one tensor: real = scale · (q − zeroPoint), q in 0…levels (255, or
/// 127 for 7-bit activation codes). The range always contains 0, so zero (padding, ReLU) is
/// exactly representable.
public struct AffineQuantization: Sendable, Equatable, CustomStringConvertible {
    public let scale: Float
    public let zeroPoint: Int32
    /// Largest code: 255 (8-bit) or 127 (7-bit).
    public let levels: Int32

    public init(range: ClosedRange<Float>, levels: Int32 = 255) {
        precondition(levels == 255 || levels == 127, "8-bit or 7-bit codes")
        let low = min(range.lowerBound, 0), high = max(range.upperBound, 0)
        let scale = max((high - low) / Float(levels), 1e-8)
        self.scale = scale
        self.levels = levels
        zeroPoint = Int32(min(max((-low / scale).rounded(), 0), Float(levels)))
    }

    @inline(__always) public func quantize(_ x: Float) -> UInt8 {
        UInt8(min(max((x / scale).rounded(.toNearestOrEven) + Float(zeroPoint), 0), Float(levels)))
    }

    @inline(__always) public func dequantize(_ q: UInt8) -> Float { scale * Float(Int32(q) - zeroPoint) }

    public var description: String { "scale \(scale), zero point \(zeroPoint)" + (levels == 255 ? "" : ", codes 0…\(levels)") }
}

/// A MobileNetV3 with int8 weights (per output channel, symmetric) and the activation ranges
/// from calibration: everything an int8 plan needs, and what a static-int8 model file holds.
public struct QuantizedNetwork: Sendable {
    /// One convolution or linear layer: int8 weights (OHWI, or [out, in]) with one scale per
    /// output channel, and its float bias (batch norm folded in).
    public struct Layer: Sendable, Equatable {
        public var weight: [Int8]
        public var scale: [Float]
        public var bias: [Float]
        public init(weight: [Int8], scale: [Float], bias: [Float]) {
            self.weight = weight
            self.scale = scale
            self.bias = bias
        }
    }

    public var configuration: MobileNetV3Configuration
    /// By conv prefix ("features.1.block.0.0"), plus "classifier.0" and "classifier.3".
    public var layers: [String: Layer]
    /// The squeeze-excite layers stay in float (a documented float island, see the plan).
    public var squeezeExcite: NamedWeights
    /// Calibrated range of every tensor in `MobileNetV3Graph.calibratedTensors`.
    public var ranges: [String: ClosedRange<Float>]
    /// Bits of the activation codes between the backbone's layers: 8 (0…255), or 7 (0…127:
    /// half the resolution, but the AVX2 GEMM then sums two k-steps before widening —
    /// docs/QUANTIZATION.md). The input and the classifier head's tensors stay 8-bit either way
    /// (`eightBitTensors`).
    public var activationBits: Int

    public static let allowedActivationBits = [8, 7]

    public init(configuration: MobileNetV3Configuration, layers: [String: Layer], squeezeExcite: NamedWeights,
                ranges: [String: ClosedRange<Float>], activationBits: Int = 8) {
        precondition(Self.allowedActivationBits.contains(activationBits), "activation codes are 8 or 7 bits")
        self.configuration = configuration
        self.layers = layers
        self.squeezeExcite = squeezeExcite
        self.ranges = ranges
        self.activationBits = activationBits
    }

    /// Largest activation code between the backbone's layers.
    public var activationLevels: Int32 { activationBits == 7 ? 127 : 255 }

    /// Tensors that keep 8-bit codes with 7-bit activations: the image (the int8-io input, and
    /// the stem's precision) and the head's, which cost next to nothing (one pooled vector per
    /// image) and feed the outputs directly.
    public static let eightBitTensors: Set<String> = ["input", "pool", "classifier.0:pre", "classifier.0", "output"]

    /// The quantisation of calibrated tensor `name` (nil when it has no range).
    public func quantization(of name: String) -> AffineQuantization? {
        ranges[name].map { AffineQuantization(range: $0, levels: Self.eightBitTensors.contains(name) ? 255 : activationLevels) }
    }

    /// Largest |q| of a layer's weights: 63 where the u8×s8 GEMM reads them (its pairs must not
    /// saturate), 127 for depthwise kernels (s16 products).
    public static func weightLimit(depthwise: Bool) -> Float { depthwise ? 127 : Float(QuantizedGEMM.weightLimit) }

    /// Bits of the GEMM layers' weights: 7 (±63, the kernels' limit) or 6 (±31: with 7-bit
    /// activations the AVX2 kernel then sums four k-steps per widening). Depthwise weights keep
    /// ±127 either way.
    public static let allowedWeightBits = [7, 6]

    /// Whether the network ends in the pooled classifier head (a detector backbone does not).
    public var hasHead: Bool { layers["classifier.0"] != nil }

    /// Symmetric per-channel quantisation of [channels, perChannel] weights.
    public static func quantizeWeights(_ w: [Float], channels: Int, limit: Float) -> (values: [Int8], scales: [Float]) {
        let per = w.count / channels
        var values = [Int8](repeating: 0, count: w.count)
        var scales = [Float](repeating: 1, count: channels)
        for c in 0..<channels {
            let largest = (0..<per).reduce(Float(0)) { max($0, abs(w[c * per + $1])) }
            let scale = largest > 0 ? largest / limit : 1
            scales[c] = scale
            for i in 0..<per { values[c * per + i] = Int8(min(max((w[c * per + i] / scale).rounded(), -limit), limit)) }
        }
        return (values, scales)
    }

    /// Folds batch norm into every convolution of `weights` (float, torchvision names, OHWI) and
    /// quantises; `ranges` come from calibration (empty for dynamic-range int8, which needs none).
    public static func quantize(configuration: MobileNetV3Configuration, weights: NamedWeights,
                                ranges: [String: ClosedRange<Float>], activationBits: Int = 8, weightBits: Int = 7) throws(PlanError) -> QuantizedNetwork {
        guard allowedActivationBits.contains(activationBits) else { throw .invalidInput("activation codes must be 8 or 7 bits (got \(activationBits))") }
        guard allowedWeightBits.contains(weightBits) else { throw .invalidInput("GEMM weights must be 7 or 6 bits (got \(weightBits))") }
        let gemmLimit = Float((1 << (weightBits - 1)) - 1)
        let graph = MobileNetV3Graph(configuration: configuration, inputHeight: 64, inputWidth: 64)
        var layers: [String: Layer] = [:]
        var se: NamedWeights = [:]
        for step in graph.steps {
            switch step {
            case .conv(let c):
                let f = try FoldedConvolution.folded(weights: weights, conv: c.name, bn: c.batchNorm, epsilon: 0.001, geometry: c.geometry)
                let q = quantizeWeights(f.weight, channels: c.geometry.outChannels, limit: c.geometry.isDepthwise ? weightLimit(depthwise: true) : gemmLimit)
                layers[c.name] = Layer(weight: q.values, scale: q.scales, bias: f.bias)
            case .squeezeExcite(let s):
                // Stored as int8 rows (see the file format) and run in float: keep exactly the
                // values a saved and reloaded file gives.
                for part in ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"] {
                    guard var t = weights["\(s.prefix).\(part)"] else { throw .missingTensor("\(s.prefix).\(part)") }
                    if part.hasSuffix("weight") {
                        let rows = t.shape[0], columns = t.count / rows
                        let q = quantizeWeights(t.scalars, channels: rows, limit: 127)
                        t = Tensor(shape: t.shape, scalars: (0..<t.count).map { Float(q.values[$0]) * q.scales[$0 / columns] })
                    }
                    se["\(s.prefix).\(part)"] = t
                }
            case .add: break
            }
        }
        // Backbones without the classifier (detectors) stop at the last feature map.
        let head = weights["classifier.0.weight"] != nil
        for (name, inputs, outputs) in [("classifier.0", graph.finalChannels, configuration.lastChannels),
                                        ("classifier.3", configuration.lastChannels, configuration.outputCount)] where head {
            let w = try weights.tensor(name + ".weight", shape: [outputs, inputs]).scalars
            let b = try weights.tensor(name + ".bias", shape: [outputs]).scalars
            let q = quantizeWeights(w, channels: outputs, limit: gemmLimit)
            layers[name] = Layer(weight: q.values, scale: q.scales, bias: b)
        }
        for name in graph.calibratedTensors(head: head) where !ranges.isEmpty && ranges[name] == nil { throw .invalidInput("no calibrated range for tensor '\(name)'") }
        return QuantizedNetwork(configuration: configuration, layers: layers, squeezeExcite: se, ranges: ranges, activationBits: activationBits)
    }
}
