import Augmentation
import Autograd
import Datasets
import Foundation
import Layers
import Optimizers
import Tensors
import Training

/// One epoch's outcome, logged as a JSON line.
public struct EpochReport: Sendable, Codable {
    public var epoch: Int
    public var phase: String
    public var size: Int
    public var ops: Int
    public var magnitude: Double
    public var learningRate: Float
    public var loss: Double
    public var seconds: Double
    public var imagesPerSecond: Double
    /// Validation accuracy per trait (eye, wing, sex), when a validation set was given.
    public var validationAccuracy: [Double]?
    public var keypointErrorPercent: Double?
}

/// Trains a `TraitClassifier` with the recipe: staged keypoint training, progressive learning,
/// RandAugment, a checkpoint after every epoch and exact `--resume`.
public final class TraitTrainer {
    public let recipe: TrainingRecipe
    public let model: TraitClassifier
    public let optimizer: SGD
    let training: [TraitSample]
    let validation: [TraitSample]
    public let checkpointPath: String
    var rng: RandomSource
    public private(set) var completedEpochs = 0
    var step = 0
    /// The moving average of the weights, when the recipe asks for one.
    public let weightAverage: WeightAverage?

    public convenience init(recipe: TrainingRecipe, training: [TraitSample], validation: [TraitSample], checkpointPath: String) {
        self.init(recipe: recipe, model: TraitClassifier(recipe.model, seed: recipe.seed), training: training, validation: validation,
                  checkpointPath: checkpointPath)
    }

    /// Continues training `model` (fine-tuning, e.g. compression-aware training with fake
    /// quantisers attached): the optimiser takes every parameter the model has *now*, so
    /// learned quantiser steps must exist already (run one forward pass first).
    public init(recipe: TrainingRecipe, model: TraitClassifier, training: [TraitSample], validation: [TraitSample], checkpointPath: String) {
        precondition(model.configuration == recipe.model, "the model's configuration differs from the recipe's")
        self.recipe = recipe
        self.training = training
        self.validation = validation
        self.checkpointPath = checkpointPath
        self.model = model
        model.keypointRegressionSeesDropout = recipe.keypointRegressionDropout ?? true
        optimizer = SGD(groups: [ParameterGroup(model.parameters, weightDecay: recipe.weightDecay)],
                        learningRate: recipe.learningRate, momentum: recipe.momentum)
        rng = RandomSource(seed: recipe.seed ^ 0x5EED)
        weightAverage = recipe.weightAverageDecay.map { WeightAverage(model: model, decay: $0) }
    }

    /// Continues from the checkpoint (weights, optimizer, epoch, random state).
    public func resume() throws {
        let progress = try Checkpoint.load(from: checkpointPath, into: model, optimizer: optimizer)
        if let saved = progress.notes["recipe"], saved != recipeFingerprint {
            throw CheckpointError(path: checkpointPath, problem: "was written with a different training config; start afresh or use the same config")
        }
        if let weightAverage {
            do { try weightAverage.load(state: progress.tensors) } catch {
                throw CheckpointError(path: checkpointPath, problem: "\(error)")
            }
        }
        completedEpochs = progress.epoch
        step = progress.step
        rng = RandomSource(seed: 0)
        rng.state = progress.randomState
    }

    var recipeFingerprint: String { Training.recipeFingerprint(recipe) }

    /// Runs the remaining epochs. `report` is called after each epoch (already checkpointed);
    /// `batchDone(done, total)` before an epoch's first batch (done 0, so a progress bar's clock
    /// starts with the epoch) and after each batch. With a weight average, the model holds
    /// the averaged weights when this returns (what is saved as the trained model); the
    /// checkpoint keeps the training weights and the average apart.
    public func run(report: (EpochReport) -> Void, batchDone: (Int, Int) -> Void = { _, _ in }) throws {
        precondition(!training.isEmpty, "no training samples")
        while completedEpochs < recipe.totalEpochs {
            let r = try trainEpoch(completedEpochs, batchDone: batchDone)
            completedEpochs += 1
            try Checkpoint.save(model: model, optimizer: optimizer,
                                progress: TrainingProgress(epoch: completedEpochs, step: step, randomState: rng.state,
                                                           notes: ["recipe": recipeFingerprint], tensors: weightAverage?.state ?? [:]),
                                to: checkpointPath)
            report(r)
        }
        weightAverage?.copy(into: model)
    }

    func trainEpoch(_ epoch: Int, batchDone: (Int, Int) -> Void) throws -> EpochReport {
        let (ops, magnitude, size) = recipe.schedule(epoch: epoch)
        let phase = recipe.phase(epoch: epoch)
        optimizer.learningRate = recipe.learningRate(epoch: epoch)
        model.train()
        model.unfreeze()
        if phase == .traitHead {
            model.freeze()
            for layer in model.traitLayers { layer.unfreeze() }
        } else if phase == .all && recipe.model.keypoints && recipe.jointPhaseTrainsHidden == false {
            model.hidden.freeze()
        }
        // Dropout draws from a generator reseeded every epoch, so a resumed run matches.
        var epochRNG = rng.split()
        for case let dropout as Dropout in model.hidden.layers { dropout.rng = epochRNG.split() }
        if let weightAverage, epoch == recipe.weightAverageFirstEpoch, epoch > 0 { weightAverage.restart(from: model) }
        let traitWeight: Float = phase == .keypoints ? recipe.keypointPhaseTraitWeight : 1
        let wingSpreadWeight: Float = phase == .all ? recipe.wingSpreadLossWeight ?? 1 : 1
        let augment = RandAugment(n: ops, magnitude: magnitude)
        var order = Array(training.indices)
        order.shuffle(using: &epochRNG)
        let batches = stride(from: 0, to: order.count, by: recipe.batchSize).map { Array(order[$0..<min($0 + recipe.batchSize, order.count)]) }
        let started = Date()
        var lossSum = 0.0
        batchDone(0, batches.count)
        for (b, indices) in batches.enumerated() {
            var batchRNG = epochRNG.split()
            let batch = TraitBatch.make(indices.map { training[$0] }, size: size, augment: augment,
                                        framingJitter: recipe.framingJitter, lightingJitter: recipe.lightingJitter, rng: &batchRNG)
            optimizer.zeroGrad()
            let output = model(Variable(batch.input))
            let loss = traitLoss(output, batch, traitWeight: traitWeight, wingSpreadWeight: wingSpreadWeight)
            loss.backward()
            try NonFiniteGuard.check(loss: loss, parameters: model.namedParameters(), step: step)
            optimizer.step()
            if epoch >= recipe.weightAverageFirstEpoch { weightAverage?.update(from: model) }
            step += 1
            lossSum += Double(loss.value.scalars[0])
            batchDone(b + 1, batches.count)
        }
        let seconds = Date().timeIntervalSince(started)
        var report = EpochReport(epoch: epoch + 1, phase: phase.rawValue, size: size, ops: ops, magnitude: magnitude,
                                 learningRate: optimizer.learningRate, loss: lossSum / Double(max(1, batches.count)),
                                 seconds: seconds, imagesPerSecond: Double(order.count) / max(seconds, 1e-9))
        if !validation.isEmpty {
            let averaging = epoch >= recipe.weightAverageFirstEpoch ? weightAverage : nil
            let metrics = averaging.map { $0.withAveragedWeights(in: model) { TraitEvaluator.evaluate(model, samples: validation, size: size) } }
                ?? TraitEvaluator.evaluate(model, samples: validation, size: size)
            report.validationAccuracy = metrics.traits.map(\.accuracy)
            report.keypointErrorPercent = metrics.keypointMeanErrorPercent
        }
        return report
    }

    /// Positions of the wing-tip spreads and sign (c, d, e) in the keypoint code.
    static let wingSpreadCode = 6..<9

    /// BCE over known traits (× `traitWeight`) plus the recipe's keypoint loss over known keypoint
    /// codes, the wing-tip spreads and sign weighing `wingSpreadWeight` times the other values.
    func traitLoss(_ output: Variable, _ batch: TraitBatch, traitWeight: Float, wingSpreadWeight: Float = 1) -> Variable {
        let n = batch.input.shape[0]
        let logits: Variable, keypoints: Variable?
        if recipe.model.keypoints {
            (logits, keypoints) = splitOutput(output, n: n)
        } else {
            (logits, keypoints) = (output, nil)
        }
        var loss = scale(Loss.bceWithLogits(logits, targets: batch.traitTargets, weights: batch.traitWeights), traitWeight)
        if let keypoints, batch.keypointWeights.scalars.contains(where: { $0 > 0 }) {
            var weights = batch.keypointWeights, rescale: Float = 1
            if wingSpreadWeight != 1 {
                let k = wingSpreadWeight
                // Both losses divide by the sum of the weights: multiplying that sum back keeps
                // the six other values' gradients as they were and scales only c, d and e by k.
                let before = weights.scalars.reduce(0, +)
                for row in 0..<n { for j in Self.wingSpreadCode { weights.scalars[row * KeypointEncoding.count + j] *= k } }
                let after = weights.scalars.reduce(0, +)
                if before > 0 { rescale = after / before }
            }
            let keypointLoss = recipe.keypointLoss == "smoothL1"
                ? Loss.smoothL1(keypoints, targets: batch.keypointTargets, beta: recipe.keypointSmoothL1Beta, weights: weights)
                : Loss.mse(keypoints, targets: batch.keypointTargets, weights: weights)
            loss = loss + scale(keypointLoss, recipe.keypointLossWeight * rescale)
        }
        return loss
    }

    /// [N, 12] → ([N, 3] logits, [N, 9] keypoint code), differentiably.
    func splitOutput(_ output: Variable, n: Int) -> (Variable, Variable) {
        (sliceChannels(output, 0..<3), sliceChannels(output, 3..<(3 + KeypointEncoding.count)))
    }
}
