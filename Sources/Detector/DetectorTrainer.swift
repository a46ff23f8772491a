import Autograd
import Datasets
import Foundation
import Layers
import Models
import Optimizers
import SafeTensors
import Tensors
import Training

/// One detector epoch's outcome, logged as a JSON line.
public struct DetectorEpochReport: Sendable, Codable {
    public var epoch: Int
    public var learningRate: Float
    public var loss: Double
    public var heatLoss: Double
    public var seconds: Double
    public var imagesPerSecond: Double
    public var validationAP50: Double?
    public var validationRecall: Double?
    public var validationPrecision: Double?
}

/// Trains a `FlyDetector`: random-scale crops of the photos with dihedral and photometric
/// augmentation, CenterNet losses, AdamW with warm-up and cosine decay, a checkpoint after
/// every epoch and exact `--resume`.
public final class DetectorTrainer {
    public let recipe: DetectorRecipe
    public let model: FlyDetector
    public let optimizer: Adam
    let training: [DetectorSample]
    let validation: [DetectorSample]
    public let checkpointPath: String
    var rng: RandomSource
    public private(set) var completedEpochs = 0
    var step = 0

    public init(recipe: DetectorRecipe, training: [DetectorSample], validation: [DetectorSample], checkpointPath: String) {
        self.recipe = recipe
        self.training = training
        self.validation = validation
        self.checkpointPath = checkpointPath
        model = FlyDetector(recipe.model, seed: recipe.seed)
        optimizer = Adam(groups: [ParameterGroup(model.parameters, weightDecay: recipe.weightDecay)],
                         learningRate: recipe.learningRate, decoupledWeightDecay: true)
        rng = RandomSource(seed: recipe.seed ^ 0xDE7EC7)
    }

    /// Starts from another model's weights: all of them from a detector (model file or
    /// training checkpoint; fine-tuning or a longer schedule; a stride-4 detector can start from
    /// a stride-8 one, all but its stride-4 step; a detector with head blocks from one without,
    /// the blocks starting as the identity), or just the backbone from a trait
    /// classifier of the same MobileNetV3 variant (features learned on fly crops transfer to
    /// finding flies).
    public func initialize(from path: String) throws {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(path: path) } catch { throw ModelFileError(path: path, problem: "\(error)") }
        let checkpoint = file.metadata["flytally.checkpoint"] != nil
        let isDetector = file.metadata["architecture"] == DetectorModelFile.architecture
            || (checkpoint && file.names.contains("model.heat.2.weight"))
        // A detector file with a narrower neck: widened into this one (`copyWidened`).
        if isDetector && !checkpoint,
           let narrow = try? ModelFileCheck.configuration(of: file, path: path, architecture: DetectorModelFile.architecture,
                                                          kind: "fly detector", as: FlyDetectorConfiguration.self),
           narrow.neckChannels < model.configuration.neckChannels {
            guard model.configuration.widens(narrow) else {
                throw ModelFileError(path: path, problem: "its neck is narrower than this detector's, but its backbone, input size or stride differ too: only a narrower neck can be widened")
            }
            try DetectorModelFile.load(path).model.copyWidened(into: model)
            return
        }
        do {
            let prefix = checkpoint ? "model." : ""
            if isDetector {
                // A stride-8 detector refined to stride 4, or head blocks added, or the same design.
                try model.loadState(fromDetector: file, prefix: prefix)
            } else {
                try model.features.loadState(from: file, prefix: checkpoint ? "model.features." : "features.")
            }
        } catch {
            throw ModelFileError(path: path, problem: "its weights do not fit this detector (\(error))")
        }
    }

    var schedule: LinearWarmup<CosineDecay> {
        LinearWarmup(CosineDecay(base: recipe.learningRate, totalEpochs: Double(recipe.epochs), minimum: recipe.learningRate * 0.01),
                     warmupEpochs: recipe.warmupEpochs)
    }

    var recipeFingerprint: String { Training.recipeFingerprint(recipe) }

    var configurationJSON: String { (try? ModelFileCheck.configurationMetadata(recipe.model)) ?? "" }

    public func resume() throws {
        let progress = try Checkpoint.load(from: checkpointPath, into: model, optimizer: optimizer)
        if let saved = progress.notes["recipe"], saved != recipeFingerprint {
            throw CheckpointError(path: checkpointPath, problem: "was written with a different detector config; start afresh or use the same config")
        }
        completedEpochs = progress.epoch
        step = progress.step
        rng = RandomSource(seed: 0)
        rng.state = progress.randomState
    }

    /// Runs the remaining epochs (or stops after epoch `stoppingAfter`). `report` is called after
    /// each epoch (already checkpointed); `batchDone(done, total)` before an epoch's first batch
    /// (done 0, so a progress bar's clock starts with the epoch) and after each batch.
    public func run(stoppingAfter: Int? = nil, report: (DetectorEpochReport) -> Void,
                    batchDone: (Int, Int) -> Void = { _, _ in }) throws {
        precondition(!training.isEmpty, "no training photos")
        while completedEpochs < min(recipe.epochs, stoppingAfter ?? recipe.epochs) {
            let r = try trainEpoch(completedEpochs, batchDone: batchDone)
            completedEpochs += 1
            try Checkpoint.save(model: model, optimizer: optimizer,
                                progress: TrainingProgress(epoch: completedEpochs, step: step, randomState: rng.state,
                                                           notes: ["recipe": recipeFingerprint, "threshold": String(recipe.threshold),
                                                                   "configuration": configurationJSON]),
                                to: checkpointPath)
            report(r)
        }
    }

    func trainEpoch(_ epoch: Int, batchDone: (Int, Int) -> Void) throws -> DetectorEpochReport {
        model.train()
        var epochRNG = rng.split()
        var order = Array(training.indices)
        order.shuffle(using: &epochRNG)
        let batches = stride(from: 0, to: order.count, by: recipe.batchSize).map { Array(order[$0..<min($0 + recipe.batchSize, order.count)]) }
        let started = Date()
        var lossSum = 0.0, heatSum = 0.0
        batchDone(0, batches.count)
        for (b, indices) in batches.enumerated() {
            optimizer.learningRate = schedule.learningRate(atEpoch: Double(epoch) + Double(b) / Double(batches.count))
            var batchRNG = epochRNG.split()
            let batch = DetectorBatch.make(indices.map { training[$0] }, recipe: recipe, rng: &batchRNG)
            optimizer.zeroGrad()
            let (loss, heat) = detectorLoss(model(Variable(batch.input)), batch)
            loss.backward()
            try NonFiniteGuard.check(loss: loss, parameters: model.namedParameters(), step: step)
            optimizer.step()
            step += 1
            lossSum += Double(loss.value.scalars[0])
            heatSum += Double(heat)
            batchDone(b + 1, batches.count)
        }
        let seconds = Date().timeIntervalSince(started)
        var report = DetectorEpochReport(epoch: epoch + 1, learningRate: optimizer.learningRate,
                                         loss: lossSum / Double(max(1, batches.count)), heatLoss: heatSum / Double(max(1, batches.count)),
                                         seconds: seconds, imagesPerSecond: Double(order.count) / max(seconds, 1e-9))
        if !validation.isEmpty {
            let metrics = DetectorEvaluator.evaluate(model, samples: validation, threshold: recipe.threshold)
            report.validationAP50 = metrics.ap50
            report.validationRecall = metrics.recall
            report.validationPrecision = metrics.precision
        }
        return report
    }

    /// CenterNet's loss: focal loss on the heat map (CenterNet's, or the quality focal loss on
    /// soft targets with `recipe.heatLoss`; normalised by the number of flies) plus
    /// weighted L1 on size and offset at the cells that learn boxes (`recipe.boxTargets`), the
    /// size's either in stride units or relative to the true size (`recipe.sizeLoss`).
    /// Returns (total, heat part).
    func detectorLoss(_ output: Variable, _ batch: DetectorBatch) -> (Variable, Float) {
        let rows = batch.heatmap.shape[0]
        let flat = reshape(output, [rows, 5])
        let logits = sliceChannels(flat, 0..<1), flies = Float(max(1, batch.objects))
        let heat = recipe.heatLoss == .centerNet ? Loss.centerNetFocal(logits, heatmap: batch.heatmap, normalizer: flies)
            : Loss.qualityFocal(logits, targets: batch.heatmap, normalizer: flies)
        func columns(_ t: Tensor, _ range: Range<Int>) -> Tensor {
            var out = Tensor(shape: [rows, range.count])
            for r in 0..<rows { for (j, c) in range.enumerated() { out.scalars[r * range.count + j] = t.scalars[r * 4 + c] } }
            return out
        }
        var loss = heat
        if batch.objects > 0 {
            let sizeTargets = columns(batch.box, 0..<2), cellWeights = columns(batch.boxWeights, 0..<2)
            let size: Variable
            switch recipe.sizeLoss {
            case .absolute:
                size = Loss.maskedL1(sliceChannels(flat, 1..<3), targets: sizeTargets, weights: cellWeights)
            case .relative:
                // |p − t| / t; the floor of half a cell only guards the division (flies are ≥ 1 cell).
                var relativeWeights = cellWeights
                for i in 0..<relativeWeights.scalars.count where relativeWeights.scalars[i] != 0 {
                    relativeWeights.scalars[i] /= max(sizeTargets.scalars[i], 0.5)
                }
                size = Loss.maskedL1(sliceChannels(flat, 1..<3), targets: sizeTargets, weights: relativeWeights,
                                     normalizer: cellWeights.scalars.reduce(0, +))
            }
            let offset = Loss.maskedL1(sliceChannels(flat, 3..<5), targets: columns(batch.box, 2..<4), weights: columns(batch.boxWeights, 2..<4))
            loss = loss + scale(size, recipe.sizeWeight) + scale(offset, recipe.offsetWeight)
        }
        return (loss, heat.value.scalars[0])
    }
}

/// Runs a detector over labelled photos.
public enum DetectorEvaluator {
    /// Score floor for the precision–recall curve (AP); the operating threshold is separate.
    public static let curveFloor: Float = 0.05

    /// - Parameters:
    ///   - operatingThreshold: the score automatic tiling judges fly sizes at.
    ///   - views: dihedral views averaged per input (`DetectorViews`).
    public static func detections(_ model: FlyDetector, samples: [DetectorSample], tiling: DetectorTiling = .fixed(1),
                                  operatingThreshold: Float = FlyDetector.defaultThreshold, views: Int = 1, merge: TileMerge = .overlaps,
                                  progress: (Int, Int) -> Void = { _, _ in }) -> [[Detection]] {
        var all: [[Detection]] = []
        for (i, s) in samples.enumerated() {
            all.append(model.detect(s.image, threshold: curveFloor, tiling: tiling, sizingThreshold: operatingThreshold,
                                    views: views, merge: merge).detections)
            progress(i + 1, samples.count)
        }
        return all
    }

    public static func evaluate(_ model: FlyDetector, samples: [DetectorSample], threshold: Float, tiling: DetectorTiling = .fixed(1),
                                views: Int = 1, merge: TileMerge = .overlaps, progress: (Int, Int) -> Void = { _, _ in }) -> DetectionMetrics {
        let found = detections(model, samples: samples, tiling: tiling, operatingThreshold: threshold, views: views, merge: merge, progress: progress)
        return DetectionMetrics(detections: found, truth: samples.map(\.boxes), threshold: threshold)
    }

    /// The same metrics for a perfect network of this configuration (`DetectionCeiling`): the
    /// most the design allows on these photos at this tiling.
    public static func ceiling(_ configuration: FlyDetectorConfiguration, samples: [DetectorSample], threshold: Float,
                               tiling: DetectorTiling = .fixed(1), merge: TileMerge = .overlaps,
                               anchor: DetectorRecipe.PeakAnchor = .centre,
                               progress: (Int, Int) -> Void = { _, _ in }) -> DetectionMetrics {
        var found: [[Detection]] = []
        for (i, s) in samples.enumerated() {
            found.append(DetectionCeiling.detect(s.image, truth: s.boxes, heads: anchor == .head ? s.heads : nil,
                                                 configuration: configuration, threshold: curveFloor,
                                                 tiling: tiling, sizingThreshold: threshold, merge: merge).detections)
            progress(i + 1, samples.count)
        }
        return DetectionMetrics(detections: found, truth: samples.map(\.boxes), threshold: threshold)
    }
}
