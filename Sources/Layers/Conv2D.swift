import Autograd
import Tensors

/// 2-D convolution layer. Input [N, H, W, inChannels] → output [N, OH, OW, outChannels].
/// Weight [outChannels, kernel, kernel, inChannels/groups] (OHWI), optional bias.
/// Initialised as torchvision's MobileNetV3: Kaiming normal with fan-out, zero bias.
public final class Conv2D: Module {
    public let weight: Variable
    /// Fake quantiser of the weight for compression-aware training (nil: float weights).
    public var weightQuantizer: Module?
    public let bias: Variable?
    public let stride: Int
    public let padding: Int
    public let dilation: Int
    public let groups: Int

    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, rng: inout RandomSource) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "groups must divide the channel counts")
        let fanOut = Float(outChannels * kernel * kernel)
        weight = Variable(.normal([outChannels, kernel, kernel, inChannels / groups], std: (2 / fanOut).squareRoot(), using: &rng),
                          requiresGrad: true)
        self.bias = bias ? Variable(.zeros([outChannels]), requiresGrad: true) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    public var outChannels: Int { weight.shape[0] }
    public var kernel: Int { weight.shape[1] }

    public override var localParameters: [(String, Variable)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }

    public override var attachedQuantizers: [(String, Module)] {
        super.attachedQuantizers + (weightQuantizer.map { [("weight_quantizer", $0)] } ?? [])
    }

    public override func forward(_ x: Variable) -> Variable {
        conv2d(x, weight: weightQuantizer.map { $0(weight) } ?? weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
               groups: groups)
    }
}
