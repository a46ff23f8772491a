import TensorKernels
import Tensors

/// A convolution with its batch norm folded in and its activation fused:
/// W' = W·γ/√(σ²+ε) per output channel, b' = β − μ·γ/√(σ²+ε) (+ the conv's own bias, scaled).
/// Public so that models with parts outside MobileNetV3 (the detector's neck) compile them too.
public struct FoldedConvolution {
    /// Geometry for a batch of one; `run` sets the batch.
    public let geometry: ConvGeometry
    /// OHWI, or tap-major [KH·KW, C] for depthwise convolutions.
    let weight: [Float]
    let bias: [Float]
    let activation: Elementwise.Activation
    /// Weights packed [K, N] for `PackedGEMM` (1×1 and dense convolutions with N % 8 == 0,
    /// except those `FewChannelConvolution` runs directly).
    private(set) var packed = false
    /// Weights tap-major for `FewChannelConvolution` (the stem: 3 input channels, where a
    /// direct convolution beats im2col + GEMM; docs/PERFORMANCE.md).
    private(set) var direct = false

    /// - Parameters:
    ///   - conv: prefix of the convolution ("features.0.0"); `bn`: prefix of its batch norm or nil.
    public init(weights: NamedWeights, conv: String, bn: String?, epsilon: Float, inChannels: Int, outChannels: Int,
         kernel: Int, stride: Int, dilation: Int = 1, groups: Int, inputHeight: Int, inputWidth: Int,
         activation: Elementwise.Activation, hasBias: Bool = false) throws(PlanError) {
        let g = ConvGeometry(batch: 1, inHeight: inputHeight, inWidth: inputWidth, inChannels: inChannels,
                             outChannels: outChannels, kernel: (kernel, kernel), stride: (stride, stride),
                             padding: ((kernel - 1) / 2 * dilation, (kernel - 1) / 2 * dilation),
                             dilation: (dilation, dilation), groups: groups)
        if let problem = g.problem { throw .invalidInput("\(conv): \(problem)") }
        let folded = try Self.folded(weights: weights, conv: conv, bn: bn, epsilon: epsilon, geometry: g, hasBias: hasBias)
        var w = folded.weight
        let b = folded.bias
        if g.isDepthwise {
            w = w.withUnsafeBufferPointer { Depthwise.tapMajor(g, $0.baseAddress!) }
        } else if FewChannelConvolution.applies(to: g) {
            w = w.withUnsafeBufferPointer { FewChannelConvolution.tapMajor(g, $0.baseAddress!) }
            direct = true
        } else if g.groups == 1 && PackedGEMM.supports(n: outChannels) {
            w = w.withUnsafeBufferPointer { PackedGEMM.pack($0.baseAddress!, n: outChannels, k: g.patchSize) }
            packed = true
        }
        geometry = g
        weight = w
        bias = b
        self.activation = activation
    }

    /// The convolution's OHWI weights and bias with its batch norm folded in (`bn` nil: as stored).
    static func folded(weights: NamedWeights, conv: String, bn: String?, epsilon: Float, geometry g: ConvGeometry,
                       hasBias: Bool = false) throws(PlanError) -> (weight: [Float], bias: [Float]) {
        let outChannels = g.outChannels
        var w = try weights.tensor(conv + ".weight", shape: [outChannels, g.kernelH, g.kernelW, g.inChannelsPerGroup]).scalars
        var b = hasBias ? try weights.tensor(conv + ".bias", shape: [outChannels]).scalars
                        : [Float](repeating: 0, count: outChannels)
        if let bn {
            let gamma = try weights.tensor(bn + ".weight", shape: [outChannels]).scalars
            let beta = try weights.tensor(bn + ".bias", shape: [outChannels]).scalars
            let mean = try weights.tensor(bn + ".running_mean", shape: [outChannels]).scalars
            let variance = try weights.tensor(bn + ".running_var", shape: [outChannels]).scalars
            let perOutput = w.count / outChannels
            for o in 0..<outChannels {
                let scale = gamma[o] / (variance[o] + epsilon).squareRoot()
                for i in 0..<perOutput { w[o * perOutput + i] *= scale }
                b[o] = beta[o] + (b[o] - mean[o]) * scale
            }
        }
        return (w, b)
    }

    public var outputPixels: Int { geometry.outHeight * geometry.outWidth }

    /// - Parameter scratch: `FusedConvolution.scratchCount(geometry)` floats per image (none
    ///   for 1×1 and depthwise convolutions).
    public func run(batch: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    scratch: UnsafeMutablePointer<Float>) {
        var g = geometry
        g.batch = batch
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                if direct {
                    FewChannelConvolution.forward(g, input: input, tapMajorWeight: w.baseAddress!, bias: b.baseAddress!,
                                                  activation: activation, output: output)
                } else if packed {
                    var a = input
                    if !g.isPointwise {
                        Im2Col.im2col(g, group: 0, input: input, columns: scratch)
                        a = UnsafePointer(scratch)
                    }
                    PackedGEMM.multiply(m: g.outputPixels, k: g.patchSize, n: g.outChannels, a: a, packedB: w.baseAddress!,
                                        bias: b.baseAddress!, activation: activation, c: output)
                } else {
                    FusedConvolution.forward(g, input: input, weight: w.baseAddress!, bias: b.baseAddress!,
                                             activation: activation, output: output, scratch: scratch)
                }
            }
        }
    }
}
