import Autograd
import Foundation
import Inference
import Models
import Tensors

/// The detector compiled for inference: the MobileNetV3 backbone runs through the engine's
/// inference plan (batch norm folded, activations fused, buffers planned once), and its three
/// tapped feature maps (strides 8, 16, 32) go through the small neck and heads in eval mode.
/// Plans are built per input size (letterboxed photos of one aspect ratio share one).
final class DetectorPlan {
    let detector: FlyDetector
    private var plans: [String: MobileNetV3Plan] = [:]

    init(_ detector: FlyDetector) {
        self.detector = detector
    }

    /// The backbone weights in the plan's naming, with a 1-output dummy classifier (the plan
    /// always ends in one; its output is ignored).
    private func backboneWeights(configuration: MobileNetV3Configuration) -> NamedWeights {
        var weights: NamedWeights = [:]
        for entry in detector.features.stateEntries() { weights["features." + entry.name] = entry.get() }
        let last = configuration.lastChannels, final = 6 * configuration.blocks.last!.outChannels
        weights["classifier.0.weight"] = Tensor(shape: [last, final])
        weights["classifier.0.bias"] = Tensor(shape: [last])
        weights["classifier.3.weight"] = Tensor(shape: [1, last])
        weights["classifier.3.bias"] = Tensor(shape: [1])
        return weights
    }

    private func plan(height: Int, width: Int, batch: Int) -> MobileNetV3Plan {
        let key = "\(height)x\(width)x\(batch)"
        if let p = plans[key] { return p }
        var configuration = detector.configuration.backbone
        configuration.logits = 1
        guard let p = try? MobileNetV3Plan(configuration: configuration, weights: backboneWeights(configuration: configuration),
                                           inputHeight: height, inputWidth: width, maxBatch: batch) else {
            preconditionFailure("a detector backbone always compiles")
        }
        plans[key] = p
        return p
    }

    /// [N, H, W, 3] normalised input → [N, H/8, W/8, 5].
    func callAsFunction(_ input: Tensor) -> Tensor {
        let n = input.shape[0], h = input.shape[1], w = input.shape[2]
        let plan = plan(height: h, width: w, batch: n)
        let taps = detector.taps, lastIndex = detector.features.layers.count - 1
        var c8: Tensor? = nil, c16: Tensor? = nil, c32: Tensor? = nil
        var index = 0
        input.withUnsafePointer { p in
            plan.runObservingFeatures(input: p, batch: n) { shape, pointer in
                if index == taps.stride8 || index == taps.stride16 || index == lastIndex {
                    let t = Tensor(shape: [n] + shape, scalars: Array(UnsafeBufferPointer(start: pointer, count: n * shape.reduce(1, *))))
                    if index == taps.stride8 { c8 = t } else if index == taps.stride16 { c16 = t } else { c32 = t }
                }
                index += 1
            }
        }
        detector.eval()
        return GradientRecording.withoutGradients {
            detector.head(c8: Variable(c8!), c16: Variable(c16!), c32: Variable(c32!)).value
        }
    }
}
