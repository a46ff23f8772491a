import Datasets
import ImageIO
import Foundation
import ImageProcessing
import Inference
import Tensors

/// Predictions for crops through the compiled inference plan.
public struct TraitPrediction: Sendable {
    /// Positive-class probabilities: eye white, wing miniature, sex male.
    public var probabilities: [Float]
    /// Keypoints in the crop's pixels (when the model has keypoints).
    public var keypoints: FlyKeypoints?
}

/// A compiled classifier for repeated use (the count command classifies batch after batch):
/// crops of any size are resized to the model's input, run through the inference plan, and
/// the keypoints come back in each crop's own pixels.
public final class TraitPredictor {
    public let model: TraitClassifier
    public let inputSize: Int
    public let maxBatch: Int
    let plan: MobileNetV3Plan

    public init(_ model: TraitClassifier, size: Int? = nil, maxBatch: Int = 64) {
        self.model = model
        inputSize = size ?? model.configuration.inputSize
        self.maxBatch = maxBatch
        model.eval()
        guard let plan = try? model.inferencePlan(inputSize: inputSize, maxBatch: maxBatch) else {
            preconditionFailure("a trait classifier always compiles")
        }
        self.plan = plan
    }

    public func predict(_ crops: [RGBImage]) -> [TraitPrediction] {
        var predictions: [TraitPrediction] = []
        predictions.reserveCapacity(crops.count)
        let side = inputSize, pixels = side * side * 3
        var start = 0
        while start < crops.count {
            let chunk = Array(crops[start..<min(start + maxBatch, crops.count)])
            var input = Tensor.uninitialized([chunk.count, side, side, 3])
            input.scalars.withUnsafeMutableBufferPointer { buffer in
                for (i, crop) in chunk.enumerated() {
                    let resized = crop.width == side && crop.height == side ? crop : crop.resized(width: side, height: side)
                    resized.writeFloatHWC(into: UnsafeMutableBufferPointer(rebasing: buffer[(i * pixels)..<((i + 1) * pixels)]), .imageNet)
                }
            }
            let output = plan(input)
            let k = model.configuration.outputCount
            for (i, crop) in chunk.enumerated() {
                let row = Array(output.scalars[(i * k)..<((i + 1) * k)])
                let probabilities = row.prefix(3).map { 1 / (1 + Foundation.exp(-$0)) }
                var keypoints: FlyKeypoints? = nil
                if model.configuration.keypoints {
                    keypoints = KeypointEncoding.decode(Array(row[3..<k]), cropWidth: Double(crop.width), cropHeight: Double(crop.height))
                }
                predictions.append(TraitPrediction(probabilities: probabilities, keypoints: keypoints))
            }
            start += chunk.count
        }
        return predictions
    }
}

public enum TraitEvaluator {
    /// Runs every crop (resized to `size`) through the model in eval mode.
    public static func predict(_ model: TraitClassifier, crops: [RGBImage], size: Int? = nil, batch: Int = 64) -> [TraitPrediction] {
        TraitPredictor(model, size: size, maxBatch: batch).predict(crops)
    }

    /// Mean positive-class probabilities of several models (an ensemble, or one model).
    public static func meanProbabilities(_ models: [TraitClassifier], crops: [RGBImage]) -> [[Float]] {
        var sum = [[Float]](repeating: [0, 0, 0], count: crops.count)
        for model in models {
            for (i, p) in predict(model, crops: crops).enumerated() {
                for t in 0..<3 { sum[i][t] += p.probabilities[t] / Float(models.count) }
            }
        }
        return sum
    }

    /// Metrics of the model on labelled samples.
    public static func evaluate(_ model: TraitClassifier, samples: [TraitSample], size: Int? = nil) -> TraitMetrics {
        let predictions = predict(model, crops: samples.map(\.image), size: size)
        var keypoints: [(predicted: FlyKeypoints, truth: FlyKeypoints, cropSide: Double)] = []
        for (p, s) in zip(predictions, samples) {
            if let predicted = p.keypoints, let truth = s.keypoints {
                keypoints.append((predicted, truth, Double(max(s.image.width, s.image.height))))
            }
        }
        return TraitMetrics(probabilities: predictions.map(\.probabilities), labels: samples.map(\.traits), keypoints: keypoints)
    }
}
