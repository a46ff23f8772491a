import Autograd
import Inference
import TensorKernels
import Tensors

/// A heat-map keypoint model compiled for inference: the backbone and pooled heads run through
/// the engine's plan (its final layer gives the trait logits and, for `heatmap`, the regressed
/// wing-tip spreads and sign), the map head on the plan's stride-16 features through folded
/// convolutions, and the maps are read by the training forward's own `keypointCode`. Outputs
/// are in the forward's order: [N, 12] = 3 trait logits, the 9 code values.
///
/// A static-int8 model file runs its backbone on the integer plan and the map head (stored in
/// fp16) in float on the dequantised stride-16 features — the detector's arrangement.
final class KeypointMapPlan {
    enum Backbone {
        case float(MobileNetV3Plan)
        case int8(QuantizedMobileNetV3Plan)
    }
    let backbone: Backbone
    let mapsHidden: FoldedConvolution, mapsOut: FoldedConvolution
    let stride16Layer: Int
    let maxBatch: Int

    init(_ model: TraitClassifier, inputSize: Int, maxBatch: Int) throws(PlanError) {
        precondition(model.configuration.usesKeypointMaps, "a heat-map keypoint model")
        if let quantization = model.quantization {
            precondition(quantization.scheme == .staticInt8, "keypoint-map models quantise to static-int8 only")
            backbone = .int8(try QuantizedMobileNetV3Plan(network: quantization.network, inputHeight: inputSize,
                                                          inputWidth: inputSize, maxBatch: maxBatch))
        } else {
            backbone = .float(try model.inferencePlan(inputSize: inputSize, maxBatch: maxBatch))
        }
        stride16Layer = model.stride16Layer
        let tap = model.configuration.backbone.lastFeatureLayer(atStride: 16)!
        var weights: NamedWeights = [:]
        for entry in model.keypointMaps!.stateEntries() { weights["maps." + entry.name] = entry.get() }
        let side = (inputSize + 15) / 16   // the stride-16 map of a stride-2-padded backbone
        let hiddenChannels = TraitClassifier.keypointMapChannels
        mapsHidden = try FoldedConvolution(weights: weights, conv: "maps.0", bn: "maps.1", epsilon: 0.001, inChannels: tap.channels,
                                           outChannels: hiddenChannels, kernel: 3, stride: 1, groups: 1, inputHeight: side,
                                           inputWidth: side, activation: .hardswish)
        mapsOut = try FoldedConvolution(weights: weights, conv: "maps.3", bn: nil, epsilon: 0.001, inChannels: hiddenChannels,
                                        outChannels: model.configuration.keypointMapCount, kernel: 1, stride: 1, groups: 1, inputHeight: side, inputWidth: side,
                                        activation: .identity, hasBias: true)
        self.maxBatch = maxBatch
    }

    /// Raw outputs [N·12] of a prepared input batch [N, S, S, 3] (N ≤ maxBatch).
    func outputs(_ input: Tensor) -> [Float] {
        let n = input.shape[0]
        let (pooled, features, shape) = runBackbone(input)
        let pooledCount = pooled.count / n   // 3 trait logits + the regressed values
        precondition(shape == [mapsHidden.geometry.inHeight, mapsHidden.geometry.inWidth, mapsHidden.geometry.inChannels],
                     "stride-16 features \(shape) do not fit the map head")
        let cells = mapsHidden.outputPixels
        var hidden = [Float](repeating: 0, count: n * cells * mapsHidden.geometry.outChannels)
        var scratch = [Float](repeating: 0, count: max(1, n * FusedConvolution.scratchCount(mapsHidden.geometry)))
        var maps = Tensor.uninitialized([n, mapsOut.geometry.outHeight, mapsOut.geometry.outWidth, mapsOut.geometry.outChannels])
        features.withUnsafeBufferPointer { f in
            hidden.withUnsafeMutableBufferPointer { h in
                scratch.withUnsafeMutableBufferPointer { s in
                    mapsHidden.run(batch: n, input: f.baseAddress!, output: h.baseAddress!, scratch: s.baseAddress!)
                    maps.scalars.withUnsafeMutableBufferPointer { m in
                        mapsOut.run(batch: n, input: h.baseAddress!, output: m.baseAddress!, scratch: s.baseAddress!)
                    }
                }
            }
        }
        let regressedCount = pooledCount - 3
        let regressed = (0..<n).flatMap { pooled[($0 * pooledCount + 3)..<(($0 + 1) * pooledCount)] }
        let code = GradientRecording.withoutGradients {   // [N, 9], as the training forward reads the maps
            concatChannels(TraitClassifier.keypointCode(
                maps: Variable(maps), regressed: regressedCount > 0 ? Variable(Tensor(shape: [n, regressedCount], scalars: regressed)) : nil,
                inputHeight: input.shape[1], inputWidth: input.shape[2])).value.scalars
        }
        var out: [Float] = []
        out.reserveCapacity(n * 12)
        for i in 0..<n {
            out += pooled[(i * pooledCount)..<(i * pooledCount + 3)]
            out += code[(i * 9)..<((i + 1) * 9)]
        }
        return out
    }

    /// The backbone's pooled-head outputs [N, 3 + regressed] and its stride-16 features (all
    /// images, with the per-image shape [H, W, C]).
    private func runBackbone(_ input: Tensor) -> (pooled: [Float], features: [Float], shape: [Int]) {
        let n = input.shape[0]
        var features: [Float] = [], shape: [Int] = []
        var pooled: [Float]
        switch backbone {
        case .float(let plan):
            pooled = [Float](repeating: 0, count: n * plan.outputCount)
            var index = 0
            input.withUnsafePointer { p in
                pooled.withUnsafeMutableBufferPointer { out in
                    plan.runObservingFeatures(input: p, batch: n, output: out.baseAddress!) { s, values in
                        if index == stride16Layer {
                            shape = s
                            features = Array(UnsafeBufferPointer(start: values, count: n * s.reduce(1, *)))
                        }
                        index += 1
                    }
                }
            }
        case .int8(let plan):
            pooled = [Float](repeating: 0, count: n * plan.outputCount)
            input.withUnsafePointer { p in
                pooled.withUnsafeMutableBufferPointer { out in
                    plan.runObservingFeatures(input: p, batch: n, output: out.baseAddress!, only: [stride16Layer]) { index, s, values in
                        if index == stride16Layer { (shape, features) = (s, values) }
                    }
                }
            }
        }
        return (pooled, features, shape)
    }
}
