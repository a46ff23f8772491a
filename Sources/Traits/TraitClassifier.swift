import Autograd
import Foundation
import Inference
import Layers
import Models
import Quantization
import SafeTensors
import Tensors

/// Settings of a trait classifier (saved in its model file).
public struct TraitClassifierConfiguration: Sendable, Equatable, Codable {
    public var variant: MobileNetV3Configuration.Variant
    public var widthMultiplier: Double
    /// Regress the nine keypoint values next to the three trait logits.
    public var keypoints: Bool
    public var dropout: Float
    /// Side of the square input the model is normally run at (the last training stage's).
    public var inputSize: Int
    /// How the keypoints are computed (when `keypoints` is on).
    public var keypointHead: KeypointHead

    /// - `regression`: all nine code values regressed from the pooled feature vector.
    /// - `heatmap`: head, tail and the wing-tip midpoint (a, b) as the soft-argmax of three maps
    ///   on the stride-16 features — where the evidence is, which pooling throws away; the
    ///   wing-tip spreads and sign (c, d, e) still regressed from the pooled vector. The output
    ///   is the same 12 values, so training, decoding and evaluation do not change. It runs
    ///   compiled (`KeypointMapPlan`); no integer quantisation exists for it yet.
    /// - `heatmap-moments`: the same three maps, but all nine values come from them: head and
    ///   tail by soft-argmax, and the whole wing-tip code (a…e) from the wing map's first and
    ///   second moments (`spatialSoftPointPair`: a two-peak map's spread is the tips' distance,
    ///   its correlation their diagonal), so nothing is regressed from the pooled vector.
    /// - `heatmap-pair`: four maps — head, tail and one per wing tip — all read by soft-argmax;
    ///   the two tips become the order-free code through `orderFreePairCode`, so either map may
    ///   take either tip and the loss never asks which is "first".
    public enum KeypointHead: String, Sendable, Codable, CaseIterable {
        case regression, heatmap
        case heatmapMoments = "heatmap-moments"
        case heatmapPair = "heatmap-pair"
    }

    public init(variant: MobileNetV3Configuration.Variant = .small, widthMultiplier: Double = 1.0, keypoints: Bool = true,
                dropout: Float = 0.5, inputSize: Int = 128, keypointHead: KeypointHead = .regression) {
        self.variant = variant
        self.widthMultiplier = widthMultiplier
        self.keypoints = keypoints
        self.dropout = dropout
        self.inputSize = inputSize
        self.keypointHead = keypointHead
    }

    enum CodingKeys: String, CodingKey { case variant, widthMultiplier, keypoints, dropout, inputSize, keypointHead }

    /// Model files and recipes written before the heat-map head existed have no `keypointHead`:
    /// they are regression models.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(variant: try c.decode(MobileNetV3Configuration.Variant.self, forKey: .variant),
                  widthMultiplier: try c.decode(Double.self, forKey: .widthMultiplier),
                  keypoints: try c.decode(Bool.self, forKey: .keypoints),
                  dropout: try c.decode(Float.self, forKey: .dropout),
                  inputSize: try c.decode(Int.self, forKey: .inputSize),
                  keypointHead: try c.decodeIfPresent(KeypointHead.self, forKey: .keypointHead) ?? .regression)
    }

    /// Whether the keypoints come from heat maps.
    public var usesKeypointMaps: Bool { keypoints && keypointHead != .regression }

    /// How many of the nine code values the pooled vector's keypoint layer regresses.
    var regressedKeypointCount: Int {
        guard keypoints else { return 0 }
        switch keypointHead {
        case .regression: return KeypointEncoding.count
        case .heatmap: return KeypointEncoding.count - 6
        case .heatmapMoments, .heatmapPair: return 0
        }
    }

    /// How many maps the map head draws: head, tail, and one wing map (two for `heatmap-pair`).
    var keypointMapCount: Int { keypointHead == .heatmapPair ? 4 : 3 }

    /// The backbone as the compiled plans (float and integer) see it: its final layer holds the
    /// pooled vector's heads — the trait logits and the regressed part of the keypoint code
    /// (all nine values, three with `heatmap`, none with the other map heads).
    var backbone: MobileNetV3Configuration {
        MobileNetV3Configuration(variant: variant, widthMultiplier: widthMultiplier, logits: 3,
                                 regressionOutputs: regressedKeypointCount, dropout: dropout)
    }

    public var outputCount: Int { 3 + (keypoints ? KeypointEncoding.count : 0) }
}


/// The keypoint-assisted multi-label classifier: MobileNetV3 features → global pool →
/// Linear → hardswish → dropout → two heads, `traits` (3 logits: eye white, wing miniature,
/// sex male) and `keypoints` (the 9-value code of `KeypointEncoding`, crop-normalised).
///
/// Input [N, S, S, 3] ImageNet-normalised crops; output [N, 3 (+ 9)].
public final class TraitClassifier: Module {
    public let configuration: TraitClassifierConfiguration
    public let features: Sequential
    public let hidden: Sequential
    public let traitHead: Linear
    /// Regression of the keypoint code: all nine values, or only the wing-tip spreads and sign
    /// (c, d, e) when the keypoint maps give the positions; none with `heatmap-moments`.
    public let keypointHead: Linear?
    /// Heat-map keypoint head: stride-16 features → 3×3 conv → BN → hardswish → 1×1 conv to
    /// three maps (head, tail, wing tips) or four (head, tail, one per wing tip), read by soft-argmax.
    public let keypointMaps: Sequential?
    /// Channels of the map head's hidden 3×3 convolution.
    static let keypointMapChannels = 96
    /// Index in `features` of the last layer at stride 16 (the maps' input).
    let stride16Layer: Int
    /// Whether the regressed keypoint values read the hidden layer after its dropout (the
    /// reference design: dropout 0.5 before both heads) or before it. Training only — dropout is
    /// off at inference, so a model file predicts the same either way. Tried because a precise
    /// regression pays for every weight with dropout noise; it did not keep the wing-tip spreads
    /// (docs/RESULTS.md, "Which held-out crops can be read at all").
    public var keypointRegressionSeesDropout = true
    /// Set when the model was read from an integer-quantised file: predictions then run on the
    /// integer plan, and the float weights above are its dequantised copy (for explanations).
    public var quantization: QuantizedTraitModel?

    public init(_ configuration: TraitClassifierConfiguration, seed: UInt64 = 0) {
        self.configuration = configuration
        let base = MobileNetV3(configuration.backbone, seed: seed)
        features = base.features
        // Reuse torchvision's classifier layers 0–2; the last layer is split into two heads.
        hidden = Sequential(Array(base.classifier.layers.prefix(3)))
        var rng = RandomSource(seed: seed &+ 0x7EA1)
        let width = configuration.backbone.lastChannels
        traitHead = Linear(inFeatures: width, outFeatures: 3, rng: &rng)
        let maps = configuration.usesKeypointMaps
        let regressed = configuration.regressedKeypointCount
        keypointHead = regressed > 0 ? Linear(inFeatures: width, outFeatures: regressed, rng: &rng) : nil
        let tap16 = configuration.backbone.lastFeatureLayer(atStride: 16)!
        stride16Layer = tap16.index
        if maps {
            let channels = tap16.channels, hiddenChannels = Self.keypointMapChannels
            keypointMaps = Sequential([
                Conv2D(inChannels: channels, outChannels: hiddenChannels, kernel: 3, padding: 1, bias: false, rng: &rng),
                BatchNorm2D(channels: hiddenChannels, epsilon: 0.001),
                Activation(.hardswish),
                Conv2D(inChannels: hiddenChannels, outChannels: configuration.keypointMapCount, kernel: 1, rng: &rng),
            ])
        } else {
            keypointMaps = nil
        }
        super.init()
        // torchvision's BN momentum of 0.01 suits ImageNet-length training; fly data sets give a
        // few hundred steps per run, after which running statistics at 0.01 are still near
        // their initial values and eval-mode outputs are wrong. 0.1 (PyTorch's default) fixes it.
        setBatchNormMomentum(0.1)
    }

    public override var children: [(String, Module)] {
        var c: [(String, Module)] = [("features", features), ("classifier", hidden), ("traits", traitHead)]
        if let keypointHead { c.append(("keypoints", keypointHead)) }
        if let keypointMaps { c.append(("keypoint_maps", keypointMaps)) }
        return c
    }

    public override func forward(_ x: Variable) -> Variable {
        guard let keypointMaps else {
            let (h, forKeypoints) = hiddenOutputs(flatten(globalAveragePool(features(x))))
            let logits = traitHead(h)
            guard let keypointHead else { return logits }
            return concatChannels([logits, keypointHead(forKeypoints)])
        }
        var f = x, stride16: Variable? = nil
        for (i, layer) in features.layers.enumerated() {
            f = layer(f)
            if i == stride16Layer { stride16 = f }
        }
        let (h, forKeypoints) = hiddenOutputs(flatten(globalAveragePool(f)))
        return concatChannels([traitHead(h)] + Self.keypointCode(maps: keypointMaps(stride16!), regressed: keypointHead.map { $0(forKeypoints) },
                                                                  inputHeight: x.shape[1], inputWidth: x.shape[2]))
    }

    /// The hidden layer's output for the trait head, and the one the keypoint regression reads:
    /// the same, or (with `keypointRegressionSeesDropout` off) the activation before the dropout.
    private func hiddenOutputs(_ pooled: Variable) -> (traits: Variable, keypoints: Variable) {
        guard !keypointRegressionSeesDropout, let dropout = hidden.layers.last as? Dropout else {
            let h = hidden(pooled)
            return (h, h)
        }
        let beforeDropout = hidden.layers.dropLast().reduce(pooled) { $1($0) }
        return (dropout(beforeDropout), beforeDropout)
    }

    /// The nine code values from the maps [N, h, w, 3 or 4]: with a regressed (c, d, e) the
    /// three maps (head, tail, wing tips) give the first six by soft-argmax; without, head and
    /// tail by soft-argmax and the wing code from the wing map's moments; four maps (head, tail,
    /// wing tip, wing tip) give four points by soft-argmax, the tips turned into the order-free
    /// code by `orderFreePairCode`. Shared by the training
    /// forward and `KeypointMapPlan`, so the two cannot drift apart. The cells are placed 16
    /// input pixels apart whatever the input size (`MapCellSize`), so an input whose side is not
    /// a multiple of 16 (progressive learning passes through 72, 88 and 104 px) puts each cell
    /// where it is in the image instead of stretching the grid over it.
    static func keypointCode(maps: Variable, regressed: Variable?, inputHeight: Int, inputWidth: Int) -> [Variable] {
        let cells = MapCellSize(stride: 16, inputHeight: inputHeight, inputWidth: inputWidth)
        if let regressed { return [spatialSoftArgmax(maps, cellSize: cells), regressed] }
        if maps.shape[3] == 4 {
            return [spatialSoftArgmax(sliceChannels(maps, 0..<2), cellSize: cells),
                    orderFreePairCode(spatialSoftArgmax(sliceChannels(maps, 2..<4), cellSize: cells))]
        }
        return [spatialSoftArgmax(sliceChannels(maps, 0..<2), cellSize: cells),
                spatialSoftPointPair(sliceChannels(maps, 2..<3), cellSize: cells)]
    }

    /// Whether fake quantisers are attached anywhere (compression-aware training): the compiled
    /// plans ignore them, so predictions must then run through the autograd forward.
    public var hasAttachedQuantizers: Bool {
        func visit(_ module: Module) -> Bool {
            !module.attachedQuantizers.isEmpty || module.children.contains { visit($0.1) }
        }
        return visit(self)
    }

    /// Parameters that stage 2 of the reference recipe keeps training.
    public var traitLayers: [Module] { [traitHead] }

    /// The model compiled for inference (the two heads merged into one final layer). For a
    /// heat-map model this is the backbone and pooled heads only — its outputs are the trait
    /// logits and the regressed wing-tip spreads and sign; `KeypointMapPlan` adds the maps.
    public func inferencePlan(inputSize: Int? = nil, maxBatch: Int) throws(PlanError) -> MobileNetV3Plan {
        let side = inputSize ?? configuration.inputSize
        return try MobileNetV3Plan(configuration: configuration.backbone, weights: planWeights(), inputHeight: side, inputWidth: side,
                                   maxBatch: maxBatch)
    }

    /// The weights by torchvision name as the compiled plans read them: the backbone's, with the
    /// trait and keypoint heads merged into one final layer "classifier.3".
    public func planWeights() -> NamedWeights {
        var weights: NamedWeights = [:]
        for entry in stateEntries() { weights[entry.name] = entry.get() }
        var w = traitHead.weight.value.scalars, b = traitHead.bias!.value.scalars
        if let keypointHead {
            w += keypointHead.weight.value.scalars
            b += keypointHead.bias!.value.scalars
        }
        weights["classifier.3.weight"] = Tensor(shape: [b.count, w.count / b.count], scalars: w)
        weights["classifier.3.bias"] = Tensor(shape: [b.count], scalars: b)
        return weights
    }
}

/// Model files: safetensors with the weights (OHWI) and the configuration in the metadata.
public enum TraitModelFile {
    public static let architecture = "flytally-trait-classifier"

    public static func save(_ model: TraitClassifier, to path: String, extra: [String: String] = [:], float16: Bool = false) throws {
        var metadata = extra
        metadata["architecture"] = architecture
        metadata["configuration"] = try ModelFileCheck.configurationMetadata(model.configuration)
        metadata["normalization"] = "imagenet"
        metadata["outputs"] = (["eye_white", "wing_miniature", "sex_male"]
            + (model.configuration.keypoints ? ["head_x", "head_y", "tail_x", "tail_y", "wing_a", "wing_b", "wing_c", "wing_d", "wing_e"] : []))
            .joined(separator: ",")
        try model.stateFile(layout: .ohwi, metadata: metadata, float16: float16).write(path: path)
    }

    /// Reads a model file; every problem names the file (and the tensor where there is one).
    public static func load(_ path: String) throws -> TraitClassifier {
        var file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(path: path) } catch { throw ModelFileError(path: path, problem: "\(error)") }
        if CompressedModelFile.isCompressed(file) {
            // Written by `flytally compress`: decompressed to fp32 weights here (docs/COMPRESSION.md).
            do { file = try CompressedModelFile.decompress(file) } catch { throw ModelFileError(path: path, problem: "\(error)") }
        }
        let configuration = try ModelFileCheck.configuration(of: file, path: path, architecture: architecture, kind: "trait classifier",
                                                             as: TraitClassifierConfiguration.self)
        let model = TraitClassifier(configuration)
        if let quantized = try quantizedNetwork(in: file, path: path, configuration: configuration) {
            do { try model.loadDequantized(quantized.network, file: file) } catch { throw ModelFileError(path: path, problem: "\(error)") }
            model.quantization = quantized
            return model
        }
        do { try model.loadState(from: file) } catch { throw ModelFileError(path: path, problem: "\(error)") }
        return model
    }
}
