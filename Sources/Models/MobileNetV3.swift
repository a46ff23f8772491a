@_exported import Architectures
import Autograd
import Layers
import TensorKernels
import Tensors

/// MobileNetV3-Small and -Large exactly as torchvision builds them (Howard et al., 2019,
/// "Searching for MobileNetV3"), so torchvision state dicts load by name; NHWC throughout.
///
/// Input [N, H, W, 3] normalised images; output [N, logits + regressionOutputs].
public final class MobileNetV3: Module {
    public let configuration: MobileNetV3Configuration
    public let features: Sequential
    public let classifier: Sequential

    /// - Parameter antialiased: every stride-2 convolution runs at stride 1 and is followed, after
    ///   its batch norm and activation, by a `BlurDownsample` (Zhang's "ConvBlurPool"), so the
    ///   features move smoothly with the input instead of aliasing. Same weights and state names
    ///   as the plain network (the blur has none); the strided layers compute at the finer
    ///   resolution, so they cost more (not measured). Only the training graph has it: the inference plans do not.
    public init(_ configuration: MobileNetV3Configuration, seed: UInt64 = 0, antialiased: Bool = false) {
        self.configuration = configuration
        var rng = RandomSource(seed: seed)
        let blocks = configuration.blocks
        var layers: [Module] = [
            convNormActivation(3, blocks[0].inChannels, kernel: 3, stride: 2, activation: .hardswish, antialiased: antialiased, rng: &rng),
        ]
        for block in blocks { layers.append(InvertedResidual(block, antialiased: antialiased, rng: &rng)) }
        let lastIn = blocks.last!.outChannels
        let lastOut = 6 * lastIn
        layers.append(convNormActivation(lastIn, lastOut, kernel: 1, activation: .hardswish, rng: &rng))
        features = Sequential(layers)
        classifier = Sequential([
            Linear(inFeatures: lastOut, outFeatures: configuration.lastChannels, rng: &rng),
            Activation(.hardswish),
            Dropout(probability: configuration.dropout, seed: rng.next()),
            Linear(inFeatures: configuration.lastChannels, outFeatures: configuration.outputCount, rng: &rng),
        ])
    }

    public override var children: [(String, Module)] { [("features", features), ("classifier", classifier)] }

    public override func forward(_ x: Variable) -> Variable {
        classifier(flatten(globalAveragePool(features(x))))
    }

    /// Runs the backbone only: [N, H, W, 3] → the last feature map [N, h, w, 6·C].
    public func backbone(_ x: Variable) -> Variable { features(x) }
}

/// Conv → BatchNorm → optional activation, torchvision's `Conv2dNormActivation`
/// (children "0", "1", "2"; convolution without bias; BN eps 0.001, momentum 0.01).
/// With `antialiased` and stride 2, the convolution runs at stride 1 and a `BlurDownsample`
/// follows as child "3" (parameter-free, so the state names are unchanged).
func convNormActivation(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, dilation: Int = 1,
                        groups: Int = 1, activation: Elementwise.Activation?, antialiased: Bool = false,
                        rng: inout RandomSource) -> Sequential {
    let blurred = antialiased && stride == 2
    var layers: [Module] = [
        Conv2D(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: blurred ? 1 : stride,
               padding: (kernel - 1) / 2 * dilation, dilation: dilation, groups: groups, bias: false, rng: &rng),
        BatchNorm2D(channels: outChannels, epsilon: 0.001, momentum: 0.01),
    ]
    if let activation { layers.append(Activation(activation)) }
    if blurred {
        precondition(activation != nil, "the blur goes after the activation, child \"3\"")
        layers.append(BlurDownsample(channels: outChannels))
    }
    return Sequential(layers)
}

/// The MobileNetV3 bottleneck: optional 1×1 expansion, depthwise k×k, optional
/// squeeze-excite, 1×1 projection; a residual connection when shapes allow (child "block").
final class InvertedResidual: Module {
    let block: Sequential
    let residual: Bool

    init(_ c: MobileNetV3Configuration.Block, antialiased: Bool = false, rng: inout RandomSource) {
        var layers: [Module] = []
        if c.expandedChannels != c.inChannels {
            layers.append(convNormActivation(c.inChannels, c.expandedChannels, kernel: 1, activation: c.activation, rng: &rng))
        }
        layers.append(convNormActivation(c.expandedChannels, c.expandedChannels, kernel: c.kernel,
                                         stride: c.dilation > 1 ? 1 : c.stride, dilation: c.dilation,
                                         groups: c.expandedChannels, activation: c.activation, antialiased: antialiased,
                                         rng: &rng))
        if c.squeezeExcite {
            layers.append(SqueezeExcitation(channels: c.expandedChannels,
                                            squeezeChannels: c.squeezeChannels, rng: &rng))
        }
        layers.append(convNormActivation(c.expandedChannels, c.outChannels, kernel: 1, activation: nil, rng: &rng))
        block = Sequential(layers)
        residual = c.hasResidual
    }

    override var children: [(String, Module)] { [("block", block)] }

    override func forward(_ x: Variable) -> Variable {
        let y = block(x)
        return residual ? x + y : y
    }
}
