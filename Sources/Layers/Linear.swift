import Autograd
import Tensors

/// Fully connected layer: [N, inFeatures] → [N, outFeatures]; weight [out, in] as PyTorch.
/// Initialised as torchvision's MobileNetV3 classifier: normal(0, 0.01), zero bias.
public final class Linear: Module {
    public let weight: Variable
    public let bias: Variable?

    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, std: Float = 0.01, rng: inout RandomSource) {
        weight = Variable(.normal([outFeatures, inFeatures], std: std, using: &rng), requiresGrad: true)
        self.bias = bias ? Variable(.zeros([outFeatures]), requiresGrad: true) : nil
    }

    public override var localParameters: [(String, Variable)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }

    public override func forward(_ x: Variable) -> Variable { linear(x, weight: weight, bias: bias) }
}
