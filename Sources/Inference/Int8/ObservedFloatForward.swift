import Architectures
import TensorKernels
import Tensors

/// The float network with every tensor of `MobileNetV3Graph` exposed, activations applied
/// separately so pre-activations can be seen: what calibration runs to learn activation
/// ranges. Allocates per call; for calibration and tests, not for serving.
public final class ObservedFloatForward {
    public let graph: MobileNetV3Graph
    private var folded: [String: (weight: [Float], bias: [Float])] = [:]
    private var squeezeExcite: [String: SqueezeExciteStep] = [:]
    /// nil for backbones without the classifier (detectors): `run` then returns no outputs.
    private let head: ClassifierHead?

    public init(graph: MobileNetV3Graph, weights: NamedWeights) throws(PlanError) {
        self.graph = graph
        for step in graph.steps {
            switch step {
            case .conv(let c):
                var f = try FoldedConvolution.folded(weights: weights, conv: c.name, bn: c.batchNorm, epsilon: 0.001, geometry: c.geometry)
                if c.geometry.isDepthwise { f.weight = f.weight.withUnsafeBufferPointer { Depthwise.tapMajor(c.geometry, $0.baseAddress!) } }
                folded[c.name] = f
            case .squeezeExcite(let se):
                squeezeExcite[se.prefix] = try SqueezeExciteStep(weights: weights, prefix: se.prefix, channels: se.channels,
                                                                 squeezeChannels: se.squeezeChannels, pixels: se.pixels)
            case .add: break
            }
        }
        head = weights["classifier.0.weight"] == nil ? nil
            : try ClassifierHead(weights: weights, inFeatures: graph.finalChannels, hidden: graph.configuration.lastChannels,
                                 outputs: graph.configuration.outputCount)
    }

    /// Runs `batch` images ([batch, H, W, 3], normalised) and hands each named tensor (all
    /// images of the batch) to `observe`; returns the outputs [batch, outputCount].
    public func run(input: [Float], batch: Int, observe: (String, UnsafeBufferPointer<Float>) -> Void) -> [Float] {
        precondition(input.count == batch * graph.inputHeight * graph.inputWidth * 3, "input size does not match the graph")
        var tensors: [String: [Float]] = ["input": input]
        input.withUnsafeBufferPointer { observe("input", $0) }
        for step in graph.steps {
            switch step {
            case .conv(let c):
                var g = c.geometry
                g.batch = batch
                var out = [Float](repeating: 0, count: batch * g.outHeight * g.outWidth * g.outChannels)
                var scratch = [Float](repeating: 0, count: max(1, FusedConvolution.scratchCount(g)))
                let f = folded[c.name]!
                tensors[c.input]!.withUnsafeBufferPointer { x in f.weight.withUnsafeBufferPointer { w in f.bias.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { o in scratch.withUnsafeMutableBufferPointer { s in
                        FusedConvolution.forward(g, input: x.baseAddress!, weight: w.baseAddress!, bias: b.baseAddress!,
                                                 activation: .identity, output: o.baseAddress!, scratch: s.baseAddress!)
                    }}
                }}}
                if c.activation == .hardswish { out.withUnsafeBufferPointer { observe(c.preActivation, $0) } }
                out.withUnsafeMutableBufferPointer { Elementwise.activate(c.activation, $0.baseAddress!, $0.baseAddress!, count: $0.count) }
                out.withUnsafeBufferPointer { observe(c.output, $0) }
                tensors[c.output] = out
            case .squeezeExcite(let se):
                squeezeExcite[se.prefix]!.apply(batch: batch, to: &tensors[se.tensor]!)
            case .add(let a):
                let total = sum(tensors[a.a]!, tensors[a.b]!)
                total.withUnsafeBufferPointer { observe(a.output, $0) }
                tensors[a.output] = total
            }
        }
        guard let head else { return [] }
        var pooled = [Float](repeating: 0, count: batch * graph.finalChannels)
        tensors[graph.final]!.withUnsafeBufferPointer { f in pooled.withUnsafeMutableBufferPointer { p in
            Pooling.globalAveragePool(f.baseAddress!, batch: batch, pixels: graph.finalPixels, channels: graph.finalChannels,
                                      output: p.baseAddress!)
        }}
        pooled.withUnsafeBufferPointer { observe("pool", $0) }
        var hidden = [Float](repeating: 0, count: batch * head.hiddenFeatures)
        var output = [Float](repeating: 0, count: batch * head.outputs)
        pooled.withUnsafeBufferPointer { p in hidden.withUnsafeMutableBufferPointer { h in
            dense(batch: batch, input: p.baseAddress!, weight: head.w1, bias: head.b1, inFeatures: head.inFeatures,
                  outFeatures: head.hiddenFeatures, activation: .identity, output: h.baseAddress!)
        }}
        hidden.withUnsafeBufferPointer { observe("classifier.0:pre", $0) }
        hidden.withUnsafeMutableBufferPointer { Elementwise.activate(.hardswish, $0.baseAddress!, $0.baseAddress!, count: $0.count) }
        hidden.withUnsafeBufferPointer { observe("classifier.0", $0) }
        hidden.withUnsafeBufferPointer { h in output.withUnsafeMutableBufferPointer { o in
            dense(batch: batch, input: h.baseAddress!, weight: head.w2, bias: head.b2, inFeatures: head.hiddenFeatures,
                  outFeatures: head.outputs, activation: .identity, output: o.baseAddress!)
        }}
        output.withUnsafeBufferPointer { observe("output", $0) }
        return output
    }
}
