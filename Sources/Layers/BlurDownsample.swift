import Autograd
import Tensors

/// Anti-aliased 2× downsampling (Zhang, 2019, "Making Convolutional Networks Shift-Invariant
/// Again"): a fixed 3×3 binomial blur, [1 2 1]ᵀ[1 2 1] / 16 on each channel, taken at stride 2
/// (zero padding 1). A strided convolution followed by this, run at stride 1, samples a
/// low-passed map instead of every other pixel of a sharp one, so its output changes smoothly,
/// not erratically, as the input moves by a pixel. No parameters: a network gains it without
/// new weights, and its state names stay as they were.
public final class BlurDownsample: Module {
    public let channels: Int
    let kernel: Variable

    public init(channels: Int) {
        self.channels = channels
        let taps: [Float] = [1, 2, 1]
        var weights: [Float] = []
        weights.reserveCapacity(channels * 9)
        for _ in 0..<channels { for y in 0..<3 { for x in 0..<3 { weights.append(taps[y] * taps[x] / 16) } } }
        kernel = Variable(Tensor(shape: [channels, 3, 3, 1], scalars: weights))   // OHWI, depthwise
    }

    public override func forward(_ x: Variable) -> Variable {
        conv2d(x, weight: kernel, stride: 2, padding: 1, groups: channels)
    }
}
