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
        fc1Weight.withUnsafeBufferPointer { w in fc1Bias.withUnsafeBufferPointer { b in
            GEMM.sgemm(transB: true, m: batch, n: squeezeChannels, k: channels, a: pooled, lda: channels,
                       b: w.baseAddress!, ldb: channels, c: hidden, ldc: squeezeChannels)
            Elementwise.biasActivation(hidden, rows: 0..<batch, columns: squeezeChannels, ldc: squeezeChannels,
                                       bias: b.baseAddress!, activation: .relu)
        }}
        // The gates overwrite `pooled` (the means are no longer needed).
        fc2Weight.withUnsafeBufferPointer { w in fc2Bias.withUnsafeBufferPointer { b in
            GEMM.sgemm(transB: true, m: batch, n: channels, k: squeezeChannels, a: hidden, lda: squeezeChannels,
                       b: w.baseAddress!, ldb: squeezeChannels, c: pooled, ldc: channels)
            Elementwise.biasActivation(pooled, rows: 0..<batch, columns: channels, ldc: channels,
                                       bias: b.baseAddress!, activation: .hardsigmoid)
        }}
        Elementwise.scaleChannelsInPlace(data, batch: batch, pixels: pixels, channels: channels, scales: pooled)
    }
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
        w1.withUnsafeBufferPointer { w in b1.withUnsafeBufferPointer { b in
            GEMM.sgemm(transB: true, m: batch, n: hiddenFeatures, k: inFeatures, a: features, lda: inFeatures,
                       b: w.baseAddress!, ldb: inFeatures, c: hidden, ldc: hiddenFeatures)
            Elementwise.biasActivation(hidden, rows: 0..<batch, columns: hiddenFeatures, ldc: hiddenFeatures,
                                       bias: b.baseAddress!, activation: .hardswish)
        }}
        w2.withUnsafeBufferPointer { w in b2.withUnsafeBufferPointer { b in
            GEMM.sgemm(transB: true, m: batch, n: outputs, k: hiddenFeatures, a: hidden, lda: hiddenFeatures,
                       b: w.baseAddress!, ldb: hiddenFeatures, c: output, ldc: outputs)
            Elementwise.biasActivation(output, rows: 0..<batch, columns: outputs, ldc: outputs,
                                       bias: b.baseAddress!, activation: .identity)
        }}
    }
}
