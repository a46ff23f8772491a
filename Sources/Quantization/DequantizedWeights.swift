import Inference
import SafeTensors

extension QuantizedNetwork {
    /// Float copies of the int8 weights under torchvision names, for loading into a trainable
    /// model (explanations and other float-side tools on a quantised file): each convolution's
    /// dequantised weights with its batch norm made the identity plus the folded bias
    /// (μ = 0, σ² = 1, γ = √(1 + ε), β = b, so BN(y) = y + b); squeeze-excite weights; and the
    /// classifier layers when the network has them. `epsilon` is the models' batch-norm ε.
    public func dequantizedEntries(epsilon: Float = 0.001) throws -> [SafeTensorsEntry] {
        var entries: [SafeTensorsEntry] = []
        let graph = MobileNetV3Graph(configuration: configuration, inputHeight: 64, inputWidth: 64)
        for c in graph.convolutions {
            guard let layer = layers[c.name] else { throw QuantizedFileError(problem: "tensor '\(c.name).weight' is missing") }
            let g = c.geometry, n = g.outChannels
            entries.append(try SafeTensorsEntry(name: c.name + ".weight", shape: [n, g.kernelH, g.kernelW, g.inChannelsPerGroup],
                                                floats: layer.dequantized))
            entries.append(try SafeTensorsEntry(name: c.batchNorm + ".weight", shape: [n],
                                                floats: [Float](repeating: (1 + epsilon).squareRoot(), count: n)))
            entries.append(try SafeTensorsEntry(name: c.batchNorm + ".bias", shape: [n], floats: layer.bias))
            entries.append(try SafeTensorsEntry(name: c.batchNorm + ".running_mean", shape: [n], floats: [Float](repeating: 0, count: n)))
            entries.append(try SafeTensorsEntry(name: c.batchNorm + ".running_var", shape: [n], floats: [Float](repeating: 1, count: n)))
        }
        for name in squeezeExcite.keys.sorted() {
            let t = squeezeExcite[name]!
            entries.append(try SafeTensorsEntry(name: name, shape: t.shape, floats: t.scalars))
        }
        for name in ["classifier.0", "classifier.3"] {
            guard let layer = layers[name] else { continue }
            let outputs = layer.scale.count
            entries.append(try SafeTensorsEntry(name: name + ".weight", shape: [outputs, layer.weight.count / outputs], floats: layer.dequantized))
            entries.append(try SafeTensorsEntry(name: name + ".bias", shape: [outputs], floats: layer.bias))
        }
        return entries
    }
}

extension QuantizedNetwork.Layer {
    /// weight · scale per output channel, in the stored layout.
    public var dequantized: [Float] {
        let per = weight.count / scale.count
        return (0..<weight.count).map { Float(weight[$0]) * scale[$0 / per] }
    }
}
