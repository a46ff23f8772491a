import Autograd
import Tensors

/// Fully connected layer: [N, inFeatures] → [N, outFeatures]; weight [out, in] as PyTorch.
/// Initialised as torchvision's MobileNetV3 classifier: normal(0, 0.01), zero bias.
public final class Linear: Module {
    public let weight: Variable
    /// Fake quantiser of the weight for compression-aware training (nil: float weights).
    public var weightQuantizer: Module?
    public let bias: Variable?

    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, std: Float = 0.01, rng: inout RandomSource) {
        weight = Variable(.normal([outFeatures, inFeatures], std: std, using: &rng), requiresGrad: true)
        self.bias = bias ? Variable(.zeros([outFeatures]), requiresGrad: true) : nil
    }

    public override var localParameters: [(String, Variable)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }

    public override var attachedQuantizers: [(String, Module)] {
        super.attachedQuantizers + (weightQuantizer.map { [("weight_quantizer", $0)] } ?? [])
    }

    public override func forward(_ x: Variable) -> Variable { linear(x, weight: weightQuantizer.map { $0(weight) } ?? weight, bias: bias) }
}
