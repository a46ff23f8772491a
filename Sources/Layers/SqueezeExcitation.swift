import Autograd
import Tensors

/// Squeeze-and-excitation as in torchvision's MobileNetV3: per-channel gates
/// s = hardsigmoid(fc2(relu(fc1(avgpool(x))))), output x · s. fc1/fc2 are 1×1 convolutions
/// with bias (names `fc1`, `fc2`). Input and output [N, H, W, C].
public final class SqueezeExcitation: Module {
    public let fc1: Conv2D
    public let fc2: Conv2D

    public init(channels: Int, squeezeChannels: Int, rng: inout RandomSource) {
        fc1 = Conv2D(inChannels: channels, outChannels: squeezeChannels, kernel: 1, rng: &rng)
        fc2 = Conv2D(inChannels: squeezeChannels, outChannels: channels, kernel: 1, rng: &rng)
    }

    public override var children: [(String, Module)] { [("fc1", fc1), ("fc2", fc2)] }

    public override func forward(_ x: Variable) -> Variable {
        let gates = hardsigmoid(fc2(relu(fc1(globalAveragePool(x)))))
        return scaleChannels(x, by: gates)
    }
}
