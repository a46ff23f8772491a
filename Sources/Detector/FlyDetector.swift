import Autograd
import Foundation
import Layers
import Inference
import Models
import TensorKernels
import Tensors

/// Settings of a fly detector (saved in its model file).
public struct FlyDetectorConfiguration: Sendable, Equatable, Codable {
    public var variant: MobileNetV3Configuration.Variant
    public var widthMultiplier: Double
    /// Square network input; photos are letterboxed into it (or tiled).
    public var inputSize: Int
    /// Channels of the feature pyramid and heads.
    public var neckChannels: Int
    /// Stride of the heat map and box heads: 8 (the original design) or 4 (one more top-down
    /// step onto the backbone's stride-4 features, so that touching flies of ~20 input pixels
    /// — 2–3 cells at stride 8 — get separate peaks).
    public var outputStride: Int
    /// Residual blocks at the output stride between the neck and the heads
    /// (`DetectorHeadBlock`: depthwise 3×3, then a 1×1 that mixes the channels, added to its
    /// input). 0, the original design, leaves the heads a single depthwise 3×3 each — little
    /// room to tell two touching flies apart at the output resolution.
    public var headBlocks: Int
    /// How the neck enlarges each coarser level before adding it to the next finer one.
    public var upsampling: Upsampling
    /// Anti-aliased backbone (`MobileNetV3(antialiased:)`): each stride-2 layer blurs before it
    /// subsamples, so the output moves with the flies instead of changing with where they fall
    /// on the backbone's 32-px grid (docs/RESULTS.md, "The detector cannot follow a fly moved by
    /// a few pixels"). Runs on the training graph only (no compiled plan, no int8), so it is
    /// slower: a research option.
    public var antialiased: Bool

    /// `nearest` (FPN's choice, the original design) copies each coarse cell into a 2×2 block,
    /// so inside the block only the shallow finer features vary: they alone must say which
    /// of the four cells holds a fly's centre. `bilinear` (align_corners = false) makes the
    /// coarse features vary smoothly from cell to cell, so where a cell lies relative to the
    /// coarse evidence is in the features too.
    public enum Upsampling: String, Codable, Sendable { case nearest, bilinear }

    public init(variant: MobileNetV3Configuration.Variant = .small, widthMultiplier: Double = 1.0, inputSize: Int = 512,
                neckChannels: Int = 64, outputStride: Int = 8, headBlocks: Int = 0, upsampling: Upsampling = .nearest,
                antialiased: Bool = false) {
        self.variant = variant
        self.widthMultiplier = widthMultiplier
        self.inputSize = inputSize
        self.neckChannels = neckChannels
        self.outputStride = outputStride
        self.headBlocks = headBlocks
        self.upsampling = upsampling
        self.antialiased = antialiased
    }

    /// The output strides a detector can have.
    public static let outputStrides = [4, 8]
    /// How many head blocks a detector can have.
    public static let headBlockRange = 0...8

    enum CodingKeys: String, CodingKey { case variant, widthMultiplier, inputSize, neckChannels, outputStride, headBlocks, upsampling, antialiased }

    /// Files and configs written before `outputStride` existed are stride-8 detectors; those
    /// written before `headBlocks` and `upsampling` existed have no blocks and upsample nearest.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(variant: try c.decode(MobileNetV3Configuration.Variant.self, forKey: .variant),
                  widthMultiplier: try c.decode(Double.self, forKey: .widthMultiplier),
                  inputSize: try c.decode(Int.self, forKey: .inputSize),
                  neckChannels: try c.decode(Int.self, forKey: .neckChannels),
                  outputStride: try c.decodeIfPresent(Int.self, forKey: .outputStride) ?? 8,
                  headBlocks: try c.decodeIfPresent(Int.self, forKey: .headBlocks) ?? 0,
                  upsampling: try c.decodeIfPresent(Upsampling.self, forKey: .upsampling) ?? .nearest,
                  antialiased: try c.decodeIfPresent(Bool.self, forKey: .antialiased) ?? false)
        guard Self.outputStrides.contains(outputStride) else {
            throw DecodingError.dataCorruptedError(forKey: .outputStride, in: c, debugDescription: "outputStride must be 4 or 8")
        }
        guard Self.headBlockRange.contains(headBlocks) else {
            throw DecodingError.dataCorruptedError(forKey: .headBlocks, in: c, debugDescription: "headBlocks must be within 0…8")
        }
    }

    /// `headBlocks`, `upsampling` and `antialiased` are written only when they differ from the original
    /// design, so such a detector has the same configuration text (and training-recipe
    /// fingerprint) as before the keys existed.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(variant, forKey: .variant)
        try c.encode(widthMultiplier, forKey: .widthMultiplier)
        try c.encode(inputSize, forKey: .inputSize)
        try c.encode(neckChannels, forKey: .neckChannels)
        try c.encode(outputStride, forKey: .outputStride)
        if headBlocks != 0 { try c.encode(headBlocks, forKey: .headBlocks) }
        if upsampling != .nearest { try c.encode(upsampling, forKey: .upsampling) }
        if antialiased { try c.encode(antialiased, forKey: .antialiased) }
    }

    /// The two sizes of the [detector] issue.
    public static let fast = FlyDetectorConfiguration(variant: .small, inputSize: 512, neckChannels: 64)
    public static let accurate = FlyDetectorConfiguration(variant: .large, inputSize: 768, neckChannels: 96)

    var backbone: MobileNetV3Configuration { MobileNetV3Configuration(variant: variant, widthMultiplier: widthMultiplier) }
}

/// A centre-based, anchor-free single-class detector (CenterNet, Zhou et al. 2019) on a
/// MobileNetV3 backbone: features at strides 8, 16 and 32 (and 4, with `outputStride` 4) merged
/// top-down (2× upsampling, nearest or bilinear, + 1×1 lateral convolutions, a depthwise 3×3
/// smoothing each),
/// then optional residual blocks at the output stride (`DetectorHeadBlock`), then three heads
/// at the output stride — fly-centre heat map (1 logit), box size (w, h in
/// stride units) and sub-pixel centre offset (2). Decoding takes local maxima of the heat map:
/// no NMS, and touching flies stay separate as long as their centres do.
///
/// Input [N, S, S, 3] (ImageNet-normalised); output [N, S/s, S/s, 5] = (heat logit, w, h, dx,
/// dy) with s the output stride.
public final class FlyDetector: Module {
    public let configuration: FlyDetectorConfiguration
    public let features: Sequential
    let taps: (stride4: Int?, stride8: Int, stride16: Int)
    let lateral8: Sequential, lateral16: Sequential, lateral32: Sequential
    let smooth16: Sequential, smooth8: Sequential
    /// The stride-4 step; nil for a stride-8 detector.
    let lateral4: Sequential?, smooth4: Sequential?
    /// `configuration.headBlocks` residual blocks before the heads; nil when there are none.
    let headBlocks: Sequential?
    let heatHead: Sequential, boxHead: Sequential

    public init(_ configuration: FlyDetectorConfiguration, seed: UInt64 = 0) {
        self.configuration = configuration
        let base = MobileNetV3(configuration.backbone, seed: seed, antialiased: configuration.antialiased)
        features = base.features
        precondition(FlyDetectorConfiguration.outputStrides.contains(configuration.outputStride), "output stride 4 or 8")
        // The last layers at strides 4, 8 and 16 (the stride of each block is known from the table).
        let tap4 = configuration.backbone.lastFeatureLayer(atStride: 4)!
        let tap8 = configuration.backbone.lastFeatureLayer(atStride: 8)!, tap16 = configuration.backbone.lastFeatureLayer(atStride: 16)!
        let fine = configuration.outputStride == 4
        taps = (fine ? tap4.index : nil, tap8.index, tap16.index)
        let c8 = tap8.channels, c16 = tap16.channels, c32 = configuration.backbone.finalFeatureChannels
        let n = configuration.neckChannels
        var rng = RandomSource(seed: seed &+ 0xDE7EC7)
        func conv1x1(_ i: Int, _ o: Int, _ act: Elementwise.Activation?) -> Sequential {
            var layers: [Module] = [Conv2D(inChannels: i, outChannels: o, kernel: 1, bias: false, rng: &rng),
                                    BatchNorm2D(channels: o, epsilon: 0.001, momentum: 0.1)]
            if let act { layers.append(Activation(act)) }
            return Sequential(layers)
        }
        func depthwise(_ c: Int) -> Sequential {
            Sequential([Conv2D(inChannels: c, outChannels: c, kernel: 3, padding: 1, groups: c, bias: false, rng: &rng),
                        BatchNorm2D(channels: c, epsilon: 0.001, momentum: 0.1), Activation(.hardswish)])
        }
        lateral8 = conv1x1(c8, n, nil)
        lateral16 = conv1x1(c16, n, nil)
        lateral32 = conv1x1(c32, n, nil)
        smooth16 = depthwise(n)
        smooth8 = depthwise(n)
        let heatOut = Conv2D(inChannels: n, outChannels: 1, kernel: 1, rng: &rng)
        // Start the heat map at probability ≈ 0.1 (CenterNet's bias −2.19) so early losses are sane.
        heatOut.bias!.value = Tensor(shape: [1], scalars: [-2.19])
        heatHead = Sequential([Conv2D(inChannels: n, outChannels: n, kernel: 3, padding: 1, groups: n, rng: &rng),
                               Activation(.relu), heatOut])
        boxHead = Sequential([Conv2D(inChannels: n, outChannels: n, kernel: 3, padding: 1, groups: n, rng: &rng),
                              Activation(.relu), Conv2D(inChannels: n, outChannels: 4, kernel: 1, rng: &rng)])
        // Drawn last, so the other layers start with the same weights at either stride.
        lateral4 = fine ? conv1x1(tap4.channels, n, nil) : nil
        smooth4 = fine ? depthwise(n) : nil
        // Drawn after everything else, for the same reason.
        let blocks = (0..<configuration.headBlocks).map { _ in DetectorHeadBlock(channels: n, rng: &rng) as Module }
        headBlocks = blocks.isEmpty ? nil : Sequential(blocks)
        super.init()
        // As in the trait classifier: a few thousand steps are too few for running statistics
        // at torchvision's 0.01 to settle, so eval mode would see stale ones.
        setBatchNormMomentum(0.1)
    }

    public override var children: [(String, Module)] {
        var all: [(String, Module)] = [("features", features), ("lateral8", lateral8), ("lateral16", lateral16), ("lateral32", lateral32),
                                       ("smooth16", smooth16), ("smooth8", smooth8), ("heat", heatHead), ("box", boxHead)]
        if let lateral4, let smooth4 { all += [("lateral4", lateral4), ("smooth4", smooth4)] }
        if let headBlocks { all.append(("blocks", headBlocks)) }
        return all
    }

    public override func forward(_ x: Variable) -> Variable {
        var h = x
        var c4: Variable? = nil, c8: Variable? = nil, c16: Variable? = nil
        for (i, layer) in features.layers.enumerated() {
            h = layer(h)
            if i == taps.stride4 { c4 = h }
            if i == taps.stride8 { c8 = h }
            if i == taps.stride16 { c16 = h }
        }
        return head(c4: c4, c8: c8!, c16: c16!, c32: h)
    }

    /// Neck and heads on the backbone's feature maps at strides 8, 16 and 32 (and 4 for a
    /// stride-4 detector, which must then be given `c4`).
    func head(c4: Variable?, c8: Variable, c16: Variable, c32: Variable) -> Variable {
        let bilinear = configuration.upsampling == .bilinear
        let p16 = smooth16(add(upsample2x(lateral32(c32), bilinear: bilinear), lateral16(c16)))
        var p = smooth8(add(upsample2x(p16, bilinear: bilinear), lateral8(c8)))
        if let lateral4, let smooth4 { p = smooth4(add(upsample2x(p, bilinear: bilinear), lateral4(c4!))) }
        if let headBlocks { p = headBlocks(p) }
        return concatChannels([heatHead(p), boxHead(p)])
    }

    /// The compiled inference path, built on first use in eval mode and dropped whenever the
    /// model goes back to training (its folded weights would be stale).
    var compiled: DetectorPlan?

    /// Set when the model was read from a static-int8 file: the backbone then runs on the
    /// integer plan (the float weights are its dequantised copy); the neck and heads stay float.
    public var quantization: QuantizedNetwork? { didSet { compiled = nil } }

    public override func train(_ on: Bool = true) {
        super.train(on)
        if on { compiled = nil }
    }
}
