import Autograd
import Foundation
import Inference
import Models
import Quantization
import Tensors

/// The detector compiled for inference: the MobileNetV3 backbone runs through the engine's
/// inference plan (batch norm folded, activations fused, buffers planned once), and its tapped
/// feature maps (strides 8, 16, 32, and 4 for a stride-4 detector) go through the neck and
/// heads compiled the same way (`DetectorNeckPlan`).
/// Plans are built per input size (letterboxed photos of one aspect ratio share one).
final class DetectorPlan {
    let detector: FlyDetector
    private var plans: [String: MobileNetV3Plan] = [:]
    private var quantizedPlans: [String: QuantizedMobileNetV3Plan] = [:]
    private var neckPlans: [String: DetectorNeckPlan] = [:]

    init(_ detector: FlyDetector) {
        self.detector = detector
    }

    /// The backbone weights in the plan's naming, with a 1-output dummy classifier (the float
    /// plan always ends in one; its output is ignored).
    private func backboneWeights(configuration: MobileNetV3Configuration) -> NamedWeights {
        var weights = detector.backboneWeights()
        let last = configuration.lastChannels, final = configuration.finalFeatureChannels
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

    private func quantizedPlan(_ network: QuantizedNetwork, height: Int, width: Int, batch: Int) -> QuantizedMobileNetV3Plan {
        let key = "\(height)x\(width)x\(batch)"
        if let p = quantizedPlans[key] { return p }
        do {
            let p = try QuantizedMobileNetV3Plan(network: network, inputHeight: height, inputWidth: width, maxBatch: batch)
            quantizedPlans[key] = p
            return p
        } catch {
            preconditionFailure("a loaded int8 detector backbone always compiles: \(error)")
        }
    }

    private func neckPlan(height: Int, width: Int) -> DetectorNeckPlan {
        let key = "\(height)x\(width)"
        if let p = neckPlans[key] { return p }
        guard let p = try? DetectorNeckPlan(detector, inputHeight: height, inputWidth: width) else {
            preconditionFailure("a detector's neck always compiles")
        }
        neckPlans[key] = p
        return p
    }

    /// [N, H, W, 3] normalised input → [N, H/s, W/s, 5], s the output stride.
    func callAsFunction(_ input: Tensor) -> Tensor {
        let n = input.shape[0], h = input.shape[1], w = input.shape[2]
        let taps = detector.taps, lastIndex = detector.features.layers.count - 1
        var c4: Tensor? = nil, c8: Tensor? = nil, c16: Tensor? = nil, c32: Tensor? = nil
        func keep(_ index: Int, _ shape: [Int], _ values: () -> [Float]) {
            guard index == taps.stride4 || index == taps.stride8 || index == taps.stride16 || index == lastIndex else { return }
            let t = Tensor(shape: [n] + shape, scalars: values())
            if index == taps.stride4 { c4 = t } else if index == taps.stride8 { c8 = t } else if index == taps.stride16 { c16 = t } else { c32 = t }
        }
        input.withUnsafePointer { p in
            if let network = detector.quantization {
                // The int8 backbone hands over dequantised feature maps; the neck and heads are
                // a float island (about a tenth of the detector's multiply-adds).
                let wanted = Set([taps.stride4, taps.stride8, taps.stride16, lastIndex].compactMap { $0 })
                quantizedPlan(network, height: h, width: w, batch: n).runObservingFeatures(input: p, batch: n, only: wanted) { index, shape, values in
                    keep(index, shape) { values }
                }
            } else {
                var index = 0
                plan(height: h, width: w, batch: n).runObservingFeatures(input: p, batch: n) { shape, pointer in
                    keep(index, shape) { Array(UnsafeBufferPointer(start: pointer, count: n * shape.reduce(1, *))) }
                    index += 1
                }
            }
        }
        let neck = neckPlan(height: h, width: w)
        return c8!.withUnsafePointer { p8 in
            c16!.withUnsafePointer { p16 in
                c32!.withUnsafePointer { p32 in
                    guard let c4 else { return neck.run(batch: n, c4: nil, c8: p8, c16: p16, c32: p32) }
                    return c4.withUnsafePointer { p4 in neck.run(batch: n, c4: p4, c8: p8, c16: p16, c32: p32) }
                }
            }
        }
    }
}
