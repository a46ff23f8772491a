import Autograd
import Datasets
import ImageIO
import Foundation
import ImageProcessing
import Inference
import Quantization
import TensorKernels
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

    /// What runs the crops: the float plan, or the integer plan of a quantised model file.
    enum Runner {
        case float(MobileNetV3Plan)
        case staticInt8(QuantizedMobileNetV3Plan, integerIO: Bool)
        case dynamicInt8(DynamicInt8Plan)
        /// Fake quantisers attached (compression-aware training): the autograd forward in eval
        /// mode, which is what simulates the quantised network; no compiled plan applies.
        case simulated
        /// A heat-map keypoint head: the float plan plus the compiled map head.
        case keypointMaps(KeypointMapPlan)
    }
    let runner: Runner

    public init(_ model: TraitClassifier, size: Int? = nil, maxBatch: Int = 64) {
        self.model = model
        inputSize = size ?? model.configuration.inputSize
        self.maxBatch = maxBatch
        model.eval()
        if model.hasAttachedQuantizers {
            runner = .simulated
            return
        }
        do {
            if model.configuration.usesKeypointMaps {
                runner = .keypointMaps(try KeypointMapPlan(model, inputSize: inputSize, maxBatch: maxBatch))
                return
            }
            switch model.quantization?.scheme {
            case .staticInt8?, .int8IO?:
                runner = .staticInt8(try QuantizedMobileNetV3Plan(network: model.quantization!.network, inputHeight: inputSize,
                                                                  inputWidth: inputSize, maxBatch: maxBatch),
                                     integerIO: model.quantization!.scheme == .int8IO)
            case .dynamicInt8?:
                runner = .dynamicInt8(try DynamicInt8Plan(network: model.quantization!.network, inputHeight: inputSize, inputWidth: inputSize))
            case .fp16?, nil:
                runner = .float(try model.inferencePlan(inputSize: inputSize, maxBatch: maxBatch))
            }
        } catch {
            preconditionFailure("a loaded trait classifier always compiles: \(error)")
        }
    }

    /// Which scheme runs the predictions ("fp32" for float models).
    public var precision: String {
        if case .simulated = runner { return "fake-quantised" }
        return model.quantization?.scheme.rawValue ?? "fp32"
    }

    /// Crops resized to `side` and ImageNet-normalised, [N, side, side, 3].
    public static func inputTensor(_ crops: [RGBImage], side: Int) -> Tensor {
        let pixels = side * side * 3
        var input = Tensor.uninitialized([crops.count, side, side, 3])
        input.scalars.withUnsafeMutableBufferPointer { buffer in
            for (i, crop) in crops.enumerated() {
                let resized = crop.width == side && crop.height == side ? crop : crop.resized(width: side, height: side)
                resized.writeFloatHWC(into: UnsafeMutableBufferPointer(rebasing: buffer[(i * pixels)..<((i + 1) * pixels)]), .imageNet)
            }
        }
        return input
    }

    /// Raw outputs [N, outputCount] of a prepared input batch (N ≤ maxBatch).
    public func outputs(_ input: Tensor) -> [Float] {
        let n = input.shape[0]
        switch runner {
        case .float(let plan): return plan(input).scalars
        case .staticInt8(let plan, let integerIO):
            guard integerIO else { return plan(input).scalars }
            // The int8-io interface: uint8 codes in, uint8 codes out (dequantised here for the caller).
            var codes = [UInt8](repeating: 0, count: input.count)
            input.withUnsafePointer { x in codes.withUnsafeMutableBufferPointer {
                QuantizedElementwise.quantize(x, count: input.count, scale: plan.inputQuantization.scale,
                                              zeroPoint: plan.inputQuantization.zeroPoint, levels: plan.inputQuantization.levels, output: $0.baseAddress!)
            }}
            var out = [UInt8](repeating: 0, count: n * plan.outputCount)
            codes.withUnsafeBufferPointer { c in out.withUnsafeMutableBufferPointer {
                plan.run(quantizedInput: c.baseAddress!, batch: n, quantizedOutput: $0.baseAddress!)
            }}
            return out.map { plan.outputQuantization.dequantize($0) }
        case .dynamicInt8(let plan): return plan.run(input: input.scalars, batch: n)
        case .keypointMaps(let plan): return plan.outputs(input)
        case .simulated:
            model.eval()
            return GradientRecording.withoutGradients { model(Variable(input)).value.scalars }
        }
    }

    public func predict(_ crops: [RGBImage]) -> [TraitPrediction] {
        var predictions: [TraitPrediction] = []
        predictions.reserveCapacity(crops.count)
        var start = 0
        while start < crops.count {
            let chunk = Array(crops[start..<min(start + maxBatch, crops.count)])
            let output = outputs(Self.inputTensor(chunk, side: inputSize))
            let k = model.configuration.outputCount
            for (i, crop) in chunk.enumerated() {
                let row = Array(output[(i * k)..<((i + 1) * k)])
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

extension TraitPredictor {
    /// An ensemble: this model's predictions with the trait probabilities averaged over it and
    /// `others` (each resizes the crops to its own input size) and over every model's predictions
    /// on the other copies of each crop that `views` names (`CropViews`). Keypoints are this
    /// model's, averaged with its keypoints on the other copies mapped back (wing tips paired in
    /// the nearer order: with the mirror image, 14.56 → 13.02 % of the crop for the bundled
    /// classifier on FlySim's held-out set). Other models' keypoints are not averaged in: models
    /// trained apart need not agree on what their points mean closely enough to be blended.
    public func predict(_ crops: [RGBImage], averagingWith others: [TraitPredictor], views: CropViews = .single) -> [TraitPrediction] {
        var predictions = predict(crops)
        guard !others.isEmpty || views != .single else { return predictions }
        var more = others.map { $0.predict(crops) }
        // This model's keypoints on every copy, mapped back into the crop's own coordinates.
        var keypointViews: [[FlyKeypoints?]] = [predictions.map(\.keypoints)]
        for flip in views.transforms.dropFirst() {
            let copies = crops.map { $0.flipped(horizontally: flip.horizontal, vertically: flip.vertical) }
            let own = predict(copies)
            more.append(own)
            more += others.map { $0.predict(copies) }
            keypointViews.append(zip(own, crops).map { prediction, crop in
                prediction.keypoints?.flipped(horizontally: flip.horizontal, vertically: flip.vertical,
                                              width: Double(crop.width), height: Double(crop.height))
            })
        }
        if keypointViews.count > 1 {
            for i in predictions.indices {
                let found = keypointViews.compactMap { $0[i] }
                guard found.count == keypointViews.count else { continue }
                predictions[i].keypoints = KeypointEncoding.average(found)
            }
        }
        let share = 1 / Float(more.count + 1)
        for i in predictions.indices { predictions[i].probabilities = predictions[i].probabilities.map { $0 * share } }
        for source in more {
            for (i, p) in source.enumerated() {
                for t in 0..<3 { predictions[i].probabilities[t] += p.probabilities[t] * share }
            }
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
        guard let first = models.first else { return crops.map { _ in [0, 0, 0] } }
        return TraitPredictor(first).predict(crops, averagingWith: models.dropFirst().map { TraitPredictor($0) }).map(\.probabilities)
    }

    /// Metrics of the model on labelled samples.
    public static func evaluate(_ model: TraitClassifier, samples: [TraitSample], size: Int? = nil) -> TraitMetrics {
        metrics(predict(model, crops: samples.map(\.image), size: size), samples: samples)
    }

    /// Metrics of an ensemble (`models[0]`'s keypoints, trait probabilities averaged over all of
    /// them, and over the other copies of each crop `views` names; see `TraitPredictor.predict(_:averagingWith:views:)`).
    public static func evaluate(_ models: [TraitClassifier], samples: [TraitSample], size: Int? = nil, views: CropViews) -> TraitMetrics {
        metrics(predict(models, samples: samples, size: size, views: views), samples: samples)
    }

    /// Predictions of one model or an ensemble (as `evaluate(_:samples:size:views:)` scores them).
    public static func predict(_ models: [TraitClassifier], samples: [TraitSample], size: Int? = nil, views: CropViews) -> [TraitPrediction] {
        precondition(!models.isEmpty, "at least one model")
        let predictors = models.map { TraitPredictor($0, size: size) }
        return predictors[0].predict(samples.map(\.image), averagingWith: Array(predictors.dropFirst()), views: views)
    }

    /// One CSV row per crop — its labels, the predicted probabilities and, where both exist,
    /// the keypoint errors in % of the crop side (wing tips: mean of the two, matched in the
    /// better order) and the true wing tips' distance from each other (small: one wing over the
    /// other), so errors can be grouped by what the crops show; then the predicted keypoints in
    /// the crop's pixels (to compare with the truth of `crops.csv`, e.g. for a bias).
    public static func perCropCSV(_ predictions: [TraitPrediction], samples: [TraitSample]) -> String {
        precondition(predictions.count == samples.count, "one prediction per sample")
        let predictedColumns = FlyKeypoints.names.flatMap { ["predicted_\($0)_x", "predicted_\($0)_y"] }
        var out = "source,eye,wing,sex,p_white,p_miniature,p_male,head_error_pct,tail_error_pct,wing_tips_error_pct,true_wing_tip_gap_pct,"
            + predictedColumns.joined(separator: ",") + "\n"
        for (p, s) in zip(predictions, samples) {
            let labels = [s.traits.eye?.rawValue, s.traits.wing?.rawValue, s.traits.sex?.rawValue].map { $0 ?? "" }
            var fields = [quoteCSV(s.source)] + labels + p.probabilities.map { String(format: "%.4f", $0) }
            if let predicted = p.keypoints, let truth = s.keypoints {
                let side = Double(max(s.image.width, s.image.height))
                let d = TraitMetrics.keypointDistances(predicted: predicted, truth: truth, side: side)
                let gap = truth.wing1.distance(to: truth.wing2) / side
                fields += [d[0], d[1], (d[2] + d[3]) / 2, gap].map { String(format: "%.2f", 100 * $0) }
            } else {
                fields += ["", "", "", ""]
            }
            fields += p.keypoints.map { k in k.all.flatMap { [String(format: "%.2f", $0.x), String(format: "%.2f", $0.y)] } }
                ?? [String](repeating: "", count: predictedColumns.count)
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    public static func metrics(_ predictions: [TraitPrediction], samples: [TraitSample]) -> TraitMetrics {
        var keypoints: [(predicted: FlyKeypoints, truth: FlyKeypoints, cropSide: Double)] = []
        for (p, s) in zip(predictions, samples) {
            if let predicted = p.keypoints, let truth = s.keypoints {
                keypoints.append((predicted, truth, Double(max(s.image.width, s.image.height))))
            }
        }
        return TraitMetrics(probabilities: predictions.map(\.probabilities), labels: samples.map(\.traits), keypoints: keypoints)
    }
}
