import Autograd
import Layers
import Tensors

/// One residual block between the detector's neck and its heads, at the output stride:
/// x + BN(1×1(hardswish(BN(depthwise 3×3(x))))). The depthwise convolution widens what each
/// cell sees by one cell each way; the 1×1 mixes the channels, which nothing else at the output
/// stride does (the neck adds maps and smooths them channel by channel, each head has one
/// depthwise 3×3 before its output). So a few blocks give the heads room to model how two
/// touching flies look, at a modest cost (one 1×1 convolution per cell and block).
///
/// The last batch norm's γ starts at zero (Goyal et al. 2017), so a new block is the identity:
/// blocks added to a trained detector leave its output unchanged until training moves them.
///
/// Children "spatial" (conv, BN, hardswish) and "pointwise" (conv, BN), so the compiled plan
/// folds each pair as it folds the neck's.
final class DetectorHeadBlock: Module {
    let spatial: Sequential
    let pointwise: Sequential

    init(channels n: Int, rng: inout RandomSource) {
        spatial = Sequential([Conv2D(inChannels: n, outChannels: n, kernel: 3, padding: 1, groups: n, bias: false, rng: &rng),
                              BatchNorm2D(channels: n, epsilon: 0.001, momentum: 0.1), Activation(.hardswish)])
        let norm = BatchNorm2D(channels: n, epsilon: 0.001, momentum: 0.1)
        norm.gamma.value = Tensor(shape: [n])
        pointwise = Sequential([Conv2D(inChannels: n, outChannels: n, kernel: 1, bias: false, rng: &rng), norm])
        super.init()
    }

    override var children: [(String, Module)] { [("spatial", spatial), ("pointwise", pointwise)] }

    override func forward(_ x: Variable) -> Variable {
        add(x, pointwise(spatial(x)))
    }
}
