import Architectures
import TensorKernels

/// MobileNetV3 as an ordered list of operations on named tensors, without weights: the one
/// walk of the architecture from which calibration (float, every tensor observed) and the
/// int8 plan are both built, so their tensor names always agree.
///
/// Tensor names: "input"; each convolution's output is named after its conv prefix
/// ("features.3.block.1.0"), its pre-activation (hardswish layers) that name + ":pre"; a
/// residual sum "<block>.add"; the head "pool", "classifier.0:pre", "classifier.0", "output".
public struct MobileNetV3Graph: Sendable {
    public struct Conv: Sendable {
        /// Prefix of the conv weights ("features.0.0"); `batchNorm` that of its batch norm.
        public let name: String
        public let batchNorm: String
        /// For a batch of one.
        public let geometry: ConvGeometry
        public let activation: Elementwise.Activation
        public let input: String
        public var output: String { name }
        public var preActivation: String { name + ":pre" }
    }

    public struct SqueezeExcite: Sendable {
        public let prefix: String
        public let channels: Int
        public let squeezeChannels: Int
        public let pixels: Int
        /// Gated in place: the tensor keeps its name and its quantisation.
        public let tensor: String
    }

    public struct Add: Sendable {
        public let a: String, b: String, output: String
        public let perImage: Int
    }

    public enum Step: Sendable {
        case conv(Conv)
        case squeezeExcite(SqueezeExcite)
        case add(Add)
    }

    public let configuration: MobileNetV3Configuration
    public let inputHeight: Int, inputWidth: Int
    public let steps: [Step]
    /// The last feature map (input of the pooled head), its channels and pixels per image.
    public let final: String
    public let finalChannels: Int, finalPixels: Int
    /// Feature maps in torchvision's `features[i]` order (for detectors that tap them), with
    /// their per-image shape [H, W, C].
    public let featureEnds: [(name: String, shape: [Int])]

    public init(configuration: MobileNetV3Configuration, inputHeight: Int, inputWidth: Int) {
        self.configuration = configuration
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        var steps: [Step] = []
        var ends: [(String, [Int])] = []
        var h = inputHeight, w = inputWidth
        var current = "input"
        func conv(_ name: String, _ bn: String, from input: String, _ cin: Int, _ cout: Int, kernel: Int, stride: Int,
                  dilation: Int = 1, groups: Int, _ activation: Elementwise.Activation) -> String {
            let g = ConvGeometry(batch: 1, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout,
                                 kernel: (kernel, kernel), stride: (stride, stride),
                                 padding: ((kernel - 1) / 2 * dilation, (kernel - 1) / 2 * dilation),
                                 dilation: (dilation, dilation), groups: groups)
            steps.append(.conv(Conv(name: name, batchNorm: bn, geometry: g, activation: activation, input: input)))
            h = g.outHeight
            w = g.outWidth
            return name
        }
        let blocks = configuration.blocks
        current = conv("features.0.0", "features.0.1", from: current, 3, blocks[0].inChannels, kernel: 3, stride: 2, groups: 1, .hardswish)
        ends.append((current, [h, w, blocks[0].inChannels]))
        for (index, block) in blocks.enumerated() {
            let prefix = "features.\(index + 1).block"
            let blockInput = current
            var layer = 0
            var x = current
            if block.expandedChannels != block.inChannels {
                x = conv("\(prefix).0.0", "\(prefix).0.1", from: x, block.inChannels, block.expandedChannels, kernel: 1,
                         stride: 1, groups: 1, block.activation)
                layer += 1
            }
            x = conv("\(prefix).\(layer).0", "\(prefix).\(layer).1", from: x, block.expandedChannels, block.expandedChannels,
                     kernel: block.kernel, stride: block.dilation > 1 ? 1 : block.stride, dilation: block.dilation,
                     groups: block.expandedChannels, block.activation)
            layer += 1
            if block.squeezeExcite {
                steps.append(.squeezeExcite(SqueezeExcite(prefix: "\(prefix).\(layer)", channels: block.expandedChannels,
                                                          squeezeChannels: block.squeezeChannels, pixels: h * w, tensor: x)))
                layer += 1
            }
            x = conv("\(prefix).\(layer).0", "\(prefix).\(layer).1", from: x, block.expandedChannels, block.outChannels,
                     kernel: 1, stride: 1, groups: 1, .identity)
            if block.hasResidual {
                let sum = "features.\(index + 1).add"
                steps.append(.add(Add(a: x, b: blockInput, output: sum, perImage: h * w * block.outChannels)))
                x = sum
            }
            current = x
            ends.append((current, [h, w, block.outChannels]))
        }
        let lastIn = blocks.last!.outChannels, lastIndex = blocks.count + 1
        current = conv("features.\(lastIndex).0", "features.\(lastIndex).1", from: current, lastIn, 6 * lastIn, kernel: 1,
                       stride: 1, groups: 1, .hardswish)
        ends.append((current, [h, w, 6 * lastIn]))
        self.steps = steps
        final = current
        finalChannels = 6 * lastIn
        finalPixels = h * w
        featureEnds = ends
    }

    public var convolutions: [Conv] { steps.compactMap { if case .conv(let c) = $0 { return c } else { return nil } } }

    /// Every tensor whose range calibration must provide, in execution order.
    public var calibratedTensors: [String] { calibratedTensors(head: true) }

    /// The same, without the pooled classifier head when `head` is false (detector backbones).
    public func calibratedTensors(head: Bool) -> [String] {
        var names = ["input"]
        for step in steps {
            switch step {
            case .conv(let c):
                if c.activation == .hardswish { names.append(c.preActivation) }
                names.append(c.output)
            case .add(let a): names.append(a.output)
            case .squeezeExcite: break
            }
        }
        return names + (head ? ["pool", "classifier.0:pre", "classifier.0", "output"] : [])
    }
}
