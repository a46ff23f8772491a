import TensorKernels

/// The pooled head of an int8 MobileNetV3: channel sums of the last feature map requantised to
/// the pooled domain (integer), Linear → hardswish (table) on the u8×s8 GEMM, Linear to int32,
/// then dequantised to float logits — or requantised to uint8 codes for int8-io.
struct QuantizedClassifierHead {
    let pool: Requantization
    let hidden: QuantizedDenseConvolution
    let hiddenQuantization: AffineQuantization
    let outputLayer: QuantizedNetwork.Layer
    let outputPacked: [Int8]
    let outputRowSums: [Int32]
    let outputRequant: Requantization
    let output: AffineQuantization
    let channels: Int, pixels: Int, hiddenFeatures: Int, outputs: Int

    init(network: QuantizedNetwork, final: AffineQuantization, pixels: Int, channels: Int,
         quantization: (String) throws(PlanError) -> AffineQuantization) throws(PlanError) {
        func layer(_ name: String) throws(PlanError) -> QuantizedNetwork.Layer {
            guard let l = network.layers[name] else { throw .missingTensor(name + ".weight") }
            return l
        }
        let pooled = try quantization("pool")
        self.channels = channels
        self.pixels = pixels
        hiddenFeatures = network.configuration.lastChannels
        outputs = network.configuration.outputCount
        pool = Requantization(bias: [Int32](repeating: -final.zeroPoint * Int32(pixels), count: channels),
                              realMultipliers: [Double](repeating: Double(final.scale) / (Double(pooled.scale) * Double(pixels)), count: channels),
                              zeroPoint: pooled.zeroPoint, max: pooled.levels)
        hiddenQuantization = try quantization("classifier.0")
        hidden = try QuantizedDenseConvolution(
            layer: try layer("classifier.0"),
            geometry: ConvGeometry(batch: 1, inHeight: 1, inWidth: 1, inChannels: channels, outChannels: hiddenFeatures, kernel: (1, 1)),
            activation: .hardswish, input: pooled, output: hiddenQuantization, preActivation: try quantization("classifier.0:pre"),
            name: "classifier.0")
        outputLayer = try layer("classifier.3")
        outputPacked = QuantizedGEMM.pack(outputLayer.weight, n: outputs, k: hiddenFeatures)
        outputRowSums = QuantizedGEMM.rowSums(outputLayer.weight, n: outputs, k: hiddenFeatures)
        output = try quantization("output")
        outputRequant = try requantization(bias: outputLayer.bias, weightScales: outputLayer.scale, rowSums: outputRowSums,
                                           input: hiddenQuantization, output: output, preActivation: nil, activation: .identity,
                                           layer: "classifier.3")
    }

    /// Writes either `floatOutput` or `codes` ([batch, outputs]).
    func run(batch: Int, final: UnsafePointer<UInt8>, workspace w: QuantizedWorkspace, floatOutput: UnsafeMutablePointer<Float>?,
             codes: UnsafeMutablePointer<UInt8>?) {
        QuantizedElementwise.channelSums(final, batch: batch, pixels: pixels, channels: channels, output: w.sums)
        for i in 0..<batch * channels { w.pooledCodes[i] = pool.reference(w.sums[i], channel: i % channels) }
        hidden.run(batch: batch, input: w.pooledCodes, output: w.hiddenCodes, scratch: w.scratch)
        outputPacked.withUnsafeBufferPointer { b in
            QuantizedGEMM.multiply(rows: 0..<batch, n: outputs, k: hiddenFeatures, a: w.hiddenCodes, lda: hiddenFeatures,
                                   packedB: b.baseAddress!, c: w.sums, ldc: outputs)
        }
        if let out = floatOutput {
            // acc·s_h·s_w − z_h·Σw·s_h·s_w + b: the logits and keypoints leave in float.
            let sh = hiddenQuantization.scale, z = hiddenQuantization.zeroPoint
            for n in 0..<batch {
                for o in 0..<outputs {
                    let acc = w.sums[n * outputs + o] - z * outputRowSums[o]
                    out[n * outputs + o] = Float(acc) * sh * outputLayer.scale[o] + outputLayer.bias[o]
                }
            }
        } else if let codes {
            for i in 0..<batch * outputs { codes[i] = outputRequant.reference(w.sums[i], channel: i % outputs) }
        }
    }
}
