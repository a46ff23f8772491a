import TensorKernels
import Tensors

/// Squeeze-and-excite in place on an [N, H·W, C] buffer: gates = hardsigmoid(W2·relu(W1·mean + b1) + b2).
struct SqueezeExciteStep {
    let channels: Int
    let squeezeChannels: Int
    let pixels: Int
    let fc1Weight: [Float]   // [squeeze, C]
    let fc1Bias: [Float]
    let fc2Weight: [Float]   // [C, squeeze]
    let fc2Bias: [Float]

    init(weights: NamedWeights, prefix: String, channels: Int, squeezeChannels: Int, pixels: Int) throws(PlanError) {
        self.channels = channels
        self.squeezeChannels = squeezeChannels
        self.pixels = pixels
        fc1Weight = try weights.tensor(prefix + ".fc1.weight", shape: [squeezeChannels, 1, 1, channels]).scalars
        fc1Bias = try weights.tensor(prefix + ".fc1.bias", shape: [squeezeChannels]).scalars
        fc2Weight = try weights.tensor(prefix + ".fc2.weight", shape: [channels, 1, 1, squeezeChannels]).scalars
        fc2Bias = try weights.tensor(prefix + ".fc2.bias", shape: [channels]).scalars
    }

    /// `pooled` and `hidden` are scratch of at least batch·C floats each.
    func apply(batch: Int, data: UnsafeMutablePointer<Float>, pooled: UnsafeMutablePointer<Float>,
               hidden: UnsafeMutablePointer<Float>) {
        Pooling.globalAveragePool(data, batch: batch, pixels: pixels, channels: channels, output: pooled)
        dense(batch: batch, input: pooled, weight: fc1Weight, bias: fc1Bias, inFeatures: channels,
              outFeatures: squeezeChannels, activation: .relu, output: hidden)
        // The gates overwrite `pooled` (the means are no longer needed).
        dense(batch: batch, input: hidden, weight: fc2Weight, bias: fc2Bias, inFeatures: squeezeChannels,
              outFeatures: channels, activation: .hardsigmoid, output: pooled)
        Elementwise.scaleChannelsInPlace(data, batch: batch, pixels: pixels, channels: channels, scales: pooled)
    }
}

extension SqueezeExciteStep {
    /// The same on a whole array of `batch` images (allocates its scratch; for the reference
    /// and dynamic paths, not the zero-allocation plan).
    func apply(batch: Int, to data: inout [Float]) {
        var pooled = [Float](repeating: 0, count: batch * channels), hidden = pooled
        data.withUnsafeMutableBufferPointer { d in pooled.withUnsafeMutableBufferPointer { p in
            hidden.withUnsafeMutableBufferPointer { h in apply(batch: batch, data: d.baseAddress!, pooled: p.baseAddress!, hidden: h.baseAddress!) }
        }}
    }
}

/// a + b element-wise (a residual sum on whole arrays).
func sum(_ a: [Float], _ b: [Float]) -> [Float] {
    var out = a
    out.withUnsafeMutableBufferPointer { o in b.withUnsafeBufferPointer { Elementwise.addInPlace(o.baseAddress!, $0.baseAddress!, count: o.count) } }
    return out
}

/// The classifier: Linear → hardswish → (dropout: identity at inference) → Linear.
struct ClassifierHead {
    let inFeatures: Int
    let hiddenFeatures: Int
    let outputs: Int
    let w1: [Float], b1: [Float], w2: [Float], b2: [Float]

    init(weights: NamedWeights, inFeatures: Int, hidden: Int, outputs: Int) throws(PlanError) {
        self.inFeatures = inFeatures
        hiddenFeatures = hidden
        self.outputs = outputs
        w1 = try weights.tensor("classifier.0.weight", shape: [hidden, inFeatures]).scalars
        b1 = try weights.tensor("classifier.0.bias", shape: [hidden]).scalars
        w2 = try weights.tensor("classifier.3.weight", shape: [outputs, hidden]).scalars
        b2 = try weights.tensor("classifier.3.bias", shape: [outputs]).scalars
    }

    func apply(batch: Int, features: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>,
               output: UnsafeMutablePointer<Float>) {
        dense(batch: batch, input: features, weight: w1, bias: b1, inFeatures: inFeatures, outFeatures: hiddenFeatures,
              activation: .hardswish, output: hidden)
        dense(batch: batch, input: hidden, weight: w2, bias: b2, inFeatures: hiddenFeatures, outFeatures: outputs,
              activation: .identity, output: output)
    }
}

/// output = activation(input · weightᵀ + bias) for `batch` rows; weight is [out, in].
func dense(batch: Int, input: UnsafePointer<Float>, weight: [Float], bias: [Float], inFeatures: Int, outFeatures: Int,
           activation: Elementwise.Activation, output: UnsafeMutablePointer<Float>) {
    weight.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in
        GEMM.sgemm(transB: true, m: batch, n: outFeatures, k: inFeatures, a: input, lda: inFeatures,
                   b: w.baseAddress!, ldb: inFeatures, c: output, ldc: outFeatures)
        Elementwise.biasActivation(output, rows: 0..<batch, columns: outFeatures, ldc: outFeatures,
                                   bias: b.baseAddress!, activation: activation)
    }}
}
