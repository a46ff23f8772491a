import Augmentation
import Foundation
import Training
import Models

/// The trait classifier's training recipe, read from a JSON config file. Defaults follow the
/// reference system (progressive learning from N=6, M=60, 64 px to N=8, M=100, 224 px; SGD at
/// 0.1 × 0.97 every 5 epochs) scaled down to stages × epochs that fit a laptop; every field can
/// be set in the file.
public struct TrainingRecipe: Codable, Sendable, Equatable {
    public var model = TraitClassifierConfiguration()
    public var seed: UInt64 = 1
    public var batchSize = 32

    /// Progressive learning: `stages` × `epochsPerStage` epochs, interpolating linearly.
    public var stages = 8
    public var epochsPerStage = 2
    public var startOps = 6, endOps = 8
    public var startMagnitude = 60.0, endMagnitude = 100.0
    public var startSize = 64, endSize = 128

    /// SGD with momentum; lr × gamma every `decayEveryEpochs` epochs.
    public var learningRate: Float = 0.1
    public var momentum: Float = 0.9
    public var weightDecay: Float = 1e-5
    public var decayGamma: Float = 0.97
    public var decayEveryEpochs = 5

    /// Staged training (with keypoints): phase 1 (this share of the epochs) weights the trait
    /// loss by `keypointPhaseTraitWeight`; phase 2 trains only the trait head; phase 3 trains
    /// everything at `finalPhaseLearningRateScale` × the scheduled rate.
    public var keypointPhaseShare = 0.35
    public var headPhaseShare = 0.15
    public var keypointPhaseTraitWeight: Float = 0.1
    public var keypointLossWeight: Float = 1
    /// "mse", or "smoothL1" (Huber with threshold `keypointSmoothL1Beta`): past the threshold its
    /// gradient stays ±1 per value, so a large weight speeds the keypoints up without the
    /// divergence that MSE × 3 or × 10 showed at the start, when errors are large.
    public var keypointLoss = "mse"
    public var keypointSmoothL1Beta: Float = 0.02
    public var finalPhaseLearningRateScale: Float = 0.3
    /// Crops framed around the true box scaled by 1/(1 + j)…(1 + j) and shifted by up to j/2 of
    /// it, as an imperfect detector box frames them (`CropFraming`); nil or 0: the true box.
    /// Annotated photo sets are then cut with room for it; crop directories, cut with the
    /// standard margin only, get grey where a wider frame runs past their pixels. Optional, so
    /// that recipes without it keep their fingerprint (and their checkpoints resume).
    public var framingJitter: Double?
    /// Exposure and colour-cast changes of the training crops (`LightingJitter`), after
    /// RandAugment; nil: none. Optional, so that recipes without it keep their fingerprint.
    public var lightingJitter: LightingJitter?
    /// Decay per step of an exponential moving average of the weights (`WeightAverage`), e.g.
    /// 0.999 (an average over about the last 1,000 steps); the validation figures and the saved
    /// model are the average's. nil: no average, the last step's weights. Optional, so that
    /// recipes without it keep their fingerprint.
    public var weightAverageDecay: Float?
    /// With `weightAverageDecay`: the average covers only the last this many epochs (it starts
    /// afresh from the weights at their beginning; validation before then uses the training
    /// weights). The recipe's input size changes every `epochsPerStage` epochs, and batch-norm
    /// statistics averaged across sizes fit none of them. nil: the whole run.
    public var weightAverageLastEpochs: Int?
    /// false: the regressed keypoint values read the hidden layer before its dropout (the trait
    /// logits keep it; `TraitClassifier.keypointRegressionSeesDropout`). nil or true: after it,
    /// the reference design. Optional, so that recipes without it keep their fingerprint.
    public var keypointRegressionDropout: Bool?
    /// false: the joint phase (3) trains everything but the hidden layer, which keeps what the
    /// keypoint phase made of it. The wing-tip spreads regressed from it are learned in the
    /// keypoint phase and lost within a few joint epochs, as the trait loss reshapes the layer
    /// (docs/RESULTS.md, "Which held-out crops can be read at all"). nil or true: it trains.
    /// Optional, so that recipes without it keep their fingerprint.
    public var jointPhaseTrainsHidden: Bool?
    /// k: in the joint phase (3), the wing-tip spreads and sign (code values c, d, e) weigh k
    /// times the other keypoint values in the keypoint loss, whose scale is kept so those others
    /// weigh what they did. The keypoint phase learns the spreads and the joint phase erodes
    /// them; a heavier keypoint loss overall keeps more of them but costs the traits, and k = 10
    /// from the first epoch killed the network (docs/RESULTS.md). nil: 1.
    public var wingSpreadLossWeight: Float?

    public init() {}

    /// The margin training photos are cut with: room for `framingJitter`'s widest frame.
    public var trainingMargin: Double { CropFraming.contextMargin(jitter: framingJitter ?? 0) }

    public var totalEpochs: Int { stages * epochsPerStage }

    /// The first epoch (0-based) the weight average covers: where it starts afresh.
    public var weightAverageFirstEpoch: Int { max(0, totalEpochs - (weightAverageLastEpochs ?? totalEpochs)) }

    /// Augmentation strength and input size of an epoch (linear over stages).
    public func schedule(epoch: Int) -> (ops: Int, magnitude: Double, size: Int) {
        let stage = min(stages - 1, epoch / max(1, epochsPerStage))
        let t = stages > 1 ? Double(stage) / Double(stages - 1) : 1
        let ops = Int((Double(startOps) + t * Double(endOps - startOps)).rounded())
        let magnitude = startMagnitude + t * (endMagnitude - startMagnitude)
        let raw = Double(startSize) + t * Double(endSize - startSize)
        let size = max(32, Int((raw / 8).rounded()) * 8)   // multiples of 8 keep the strides exact
        return (ops, magnitude, size)
    }

    public enum Phase: String, Sendable { case keypoints, traitHead, all }

    public func phase(epoch: Int) -> Phase {
        guard model.keypoints else { return .all }
        let progress = Double(epoch) / Double(max(1, totalEpochs))
        if progress < keypointPhaseShare { return .keypoints }
        if progress < keypointPhaseShare + headPhaseShare { return .traitHead }
        return .all
    }

    public func learningRate(epoch: Int) -> Float {
        let scheduled = learningRate * Foundation.pow(decayGamma, Float(epoch / max(1, decayEveryEpochs)))
        return phase(epoch: epoch) == .all && model.keypoints ? scheduled * finalPhaseLearningRateScale : scheduled
    }

    /// Checks the numbers; nil when fine, else the problem.
    public var problem: String? {
        if stages < 1 || epochsPerStage < 1 { return "stages and epochsPerStage must be at least 1" }
        if batchSize < 1 || batchSize > 1024 { return "batchSize must be 1…1024" }
        if startSize < 32 || endSize < 32 || startSize > 512 || endSize > 512 { return "input sizes must be 32…512" }
        if !(0...100).contains(startMagnitude) || !(0...100).contains(endMagnitude) { return "magnitudes must be 0…100" }
        if startOps < 0 || endOps < 0 || startOps > 20 || endOps > 20 { return "ops per image must be 0…20" }
        if !(learningRate > 0) || !learningRate.isFinite { return "learningRate must be positive" }
        if !["mse", "smoothL1"].contains(keypointLoss) { return "keypointLoss must be \"mse\" or \"smoothL1\"" }
        if !(keypointSmoothL1Beta > 0) || !keypointSmoothL1Beta.isFinite { return "keypointSmoothL1Beta must be positive" }
        if !(keypointLossWeight >= 0) || !keypointLossWeight.isFinite { return "keypointLossWeight must be 0 or more" }
        if let k = wingSpreadLossWeight, !(k >= 0) || !k.isFinite { return "wingSpreadLossWeight must be 0 or more" }
        if keypointPhaseShare < 0 || headPhaseShare < 0 || keypointPhaseShare + headPhaseShare > 1 { return "phase shares must add up to at most 1" }
        if let j = framingJitter, !(0...0.5).contains(j) { return "framingJitter must be 0…0.5" }
        if let problem = lightingJitter?.problem { return problem }
        if let d = weightAverageDecay, !(d > 0 && d < 1) { return "weightAverageDecay must lie between 0 and 1 (e.g. 0.999)" }
        if let n = weightAverageLastEpochs {
            if weightAverageDecay == nil { return "weightAverageLastEpochs needs weightAverageDecay" }
            if !(1...totalEpochs).contains(n) { return "weightAverageLastEpochs must be 1…\(totalEpochs) (the run's epochs)" }
        }
        return nil
    }

    /// Reads a JSON recipe; fields left out keep their defaults.
    public static func read(path: String) throws -> TrainingRecipe {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(path: path, problem: "cannot read the training config")
        }
        if let key = DuplicateJSONKeys.first(in: data) {
            throw ModelFileError(path: path, problem: "\"\(key)\" is set twice (one of the two values would be ignored)")
        }
        do {
            let recipe = try JSONDecoder().decode(TrainingRecipe.self, from: data)
            if let problem = recipe.problem { throw ModelFileError(path: path, problem: problem) }
            return recipe
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError(path: path, problem: "invalid training config: \(error)")
        }
    }

    // Decoding with defaults for every missing key.
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.model, &model); try read(.seed, &seed); try read(.batchSize, &batchSize)
        try read(.stages, &stages); try read(.epochsPerStage, &epochsPerStage)
        try read(.startOps, &startOps); try read(.endOps, &endOps)
        try read(.startMagnitude, &startMagnitude); try read(.endMagnitude, &endMagnitude)
        try read(.startSize, &startSize); try read(.endSize, &endSize)
        try read(.learningRate, &learningRate); try read(.momentum, &momentum); try read(.weightDecay, &weightDecay)
        try read(.decayGamma, &decayGamma); try read(.decayEveryEpochs, &decayEveryEpochs)
        try read(.keypointPhaseShare, &keypointPhaseShare); try read(.headPhaseShare, &headPhaseShare)
        try read(.keypointPhaseTraitWeight, &keypointPhaseTraitWeight); try read(.keypointLossWeight, &keypointLossWeight)
        try read(.keypointLoss, &keypointLoss); try read(.keypointSmoothL1Beta, &keypointSmoothL1Beta)
        try read(.finalPhaseLearningRateScale, &finalPhaseLearningRateScale)
        try read(.framingJitter, &framingJitter)
        try read(.lightingJitter, &lightingJitter)
        try read(.weightAverageDecay, &weightAverageDecay)
        try read(.weightAverageLastEpochs, &weightAverageLastEpochs)
        try read(.keypointRegressionDropout, &keypointRegressionDropout)
        try read(.jointPhaseTrainsHidden, &jointPhaseTrainsHidden)
        try read(.wingSpreadLossWeight, &wingSpreadLossWeight)
    }
}
