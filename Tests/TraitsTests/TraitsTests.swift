import Autograd
import Datasets
import Foundation
import ImageIO
import ImageProcessing
import Layers
import Models
import Tensors
import Testing
@testable import Traits

@Suite struct KeypointEncodingTests {
    @Test func roundTripAndWingOrderDoesNotMatter() {
        let k = FlyKeypoints(head: Point2D(80, 20), tail: Point2D(10, 60), wing1: Point2D(30, 70), wing2: Point2D(5, 40))
        let code = KeypointEncoding.encode(k, cropWidth: 100, cropHeight: 80)
        // By hand: a = (0.30+0.05)/2, b = (0.875+0.5)/2, c = 0.25, d = 0.375, e = 1 ((0.25)(0.375) > 0).
        let expected: [Float] = [0.8, 0.25, 0.1, 0.75, 0.175, 0.6875, 0.25, 0.375, 1]
        for (a, b) in zip(code, expected) { #expect(abs(a - b) < 1e-6) }
        let swapped = FlyKeypoints(head: k.head, tail: k.tail, wing1: k.wing2, wing2: k.wing1)
        #expect(KeypointEncoding.encode(swapped, cropWidth: 100, cropHeight: 80) == code)
        let back = KeypointEncoding.decode(code, cropWidth: 100, cropHeight: 80)
        let wings = Set([[back.wing1.x, back.wing1.y], [back.wing2.x, back.wing2.y]].map { $0.map { ($0 * 1000).rounded() / 1000 } })
        #expect(wings == Set([[30, 70], [5, 40]]))
        #expect(abs(back.head.x - 80) < 1e-4 && abs(back.tail.y - 60) < 1e-4)
        // Opposite diagonal: e = 0.
        let other = FlyKeypoints(head: k.head, tail: k.tail, wing1: Point2D(30, 40), wing2: Point2D(5, 70))
        #expect(KeypointEncoding.encode(other, cropWidth: 100, cropHeight: 80)[8] == 0)
        let backOther = KeypointEncoding.decode(KeypointEncoding.encode(other, cropWidth: 100, cropHeight: 80), cropWidth: 100, cropHeight: 80)
        #expect(Set([[backOther.wing1.x, backOther.wing1.y], [backOther.wing2.x, backOther.wing2.y]].map { $0.map { ($0 * 1000).rounded() / 1000 } })
                == Set([[30, 40], [5, 70]]))
    }
}

@Suite struct TraitMetricsTests {
    @Test func countsByHand() {
        let labels = [FlyTraits(eye: .white, wing: .long, sex: .male), FlyTraits(eye: .red, wing: nil, sex: .female),
                      FlyTraits(eye: .white, wing: .miniature, sex: nil), FlyTraits(eye: .red, wing: .long, sex: .male)]
        let probabilities: [[Float]] = [[0.9, 0.1, 0.8], [0.6, 0.9, 0.3], [0.2, 0.7, 0.5], [0.1, 0.2, 0.4]]
        let m = TraitMetrics(probabilities: probabilities, labels: labels)
        let eye = m.traits[0]
        #expect((eye.truePositive, eye.falsePositive, eye.trueNegative, eye.falseNegative) == (1, 1, 1, 1))
        #expect(eye.accuracy == 0.5 && eye.precision == 0.5 && eye.recall == 0.5)
        let wing = m.traits[1]     // the unknown wing label is left out
        #expect(wing.total == 3 && wing.accuracy == 1)
        let sex = m.traits[2]      // male 0.8 ✓, female 0.3 ✓, male 0.4 ✗
        #expect(sex.total == 3 && abs(sex.accuracy - 2.0 / 3) < 1e-12)
        // ECE of wing: confidences 0.9, 0.7, 0.8 all correct → |mean conf − 1| per bin weighted: (0.1+0.3+0.2)/3.
        #expect(abs(wing.expectedCalibrationError - 0.2) < 1e-6)
    }

    @Test func keypointErrorAndPCK() {
        let truth = FlyKeypoints(head: Point2D(0, 0), tail: Point2D(100, 0), wing1: Point2D(50, 50), wing2: Point2D(50, -50))
        // Wings predicted in the other order: matched, so only the head error (10 px) counts.
        let predicted = FlyKeypoints(head: Point2D(10, 0), tail: Point2D(100, 0), wing1: Point2D(50, -50), wing2: Point2D(50, 50))
        let m = TraitMetrics(probabilities: [[0, 0, 0]], labels: [FlyTraits()], keypoints: [(predicted, truth, 100)])
        #expect(abs((m.keypointMeanErrorPercent ?? 0) - 2.5) < 1e-9)   // (10 + 0 + 0 + 0)/4 % of 100
        #expect(m.pck05 == 0.75)
        #expect(m.keypointErrorByPointPercent == TraitMetrics.KeypointErrors(head: 10, tail: 0, wingTips: 0))
        #expect(m.headTailReversed == 0)
    }

    @Test func headTailReversalIsCountedPerFly() {
        let truth = FlyKeypoints(head: Point2D(0, 0), tail: Point2D(100, 0), wing1: Point2D(50, 50), wing2: Point2D(50, -50))
        // Fly 1 read back to front (head 4 px from the true tail, tail 6 px from the true head);
        // fly 2 with both ends drawn towards the middle but each still nearer its own end.
        let backToFront = FlyKeypoints(head: Point2D(96, 0), tail: Point2D(6, 0), wing1: Point2D(50, 50), wing2: Point2D(50, -50))
        let shrunk = FlyKeypoints(head: Point2D(40, 0), tail: Point2D(60, 0), wing1: Point2D(50, 50), wing2: Point2D(50, -50))
        let m = TraitMetrics(probabilities: [[0, 0, 0], [0, 0, 0]], labels: [FlyTraits(), FlyTraits()],
                             keypoints: [(backToFront, truth, 100), (shrunk, truth, 100)])
        #expect(m.headTailReversed == 0.5)
        #expect(abs((m.keypointErrorByPointPercent?.head ?? 0) - (96 + 40) / 2) < 1e-9)
        #expect(abs((m.keypointErrorByPointPercent?.tail ?? 0) - (94 + 40) / 2) < 1e-9)
    }
}

@Suite struct RecipeAndModelTests {
    @Test func progressiveScheduleAndPhases() throws {
        var recipe = TrainingRecipe()
        recipe.stages = 5; recipe.epochsPerStage = 2; recipe.startSize = 64; recipe.endSize = 224
        #expect(recipe.schedule(epoch: 0) == (6, 60, 64))
        #expect(recipe.schedule(epoch: 9) == (8, 100, 224))
        #expect(recipe.schedule(epoch: 4).size == 144)
        #expect(recipe.phase(epoch: 0) == .keypoints && recipe.phase(epoch: 4) == .traitHead && recipe.phase(epoch: 9) == .all)
        recipe.model.keypoints = false
        #expect(recipe.phase(epoch: 0) == .all)
        let partial = try JSONDecoder().decode(TrainingRecipe.self, from: Data(#"{"stages": 3, "model": {"variant": "large", "widthMultiplier": 0.75, "keypoints": true, "dropout": 0.5, "inputSize": 96}}"#.utf8))
        #expect(partial.stages == 3 && partial.epochsPerStage == TrainingRecipe().epochsPerStage && partial.model.variant == .large)
    }

    /// The training loss by hand: BCE over the three logits × the trait weight, plus the
    /// recipe's keypoint loss (MSE or smooth-L1 with its threshold) × the keypoint weight.
    @Test func keypointLossChoiceByHand() throws {
        let logits: [Float] = [0.5, -1, 2], traitTargets: [Float] = [1, 0, 0]
        let code: [Float] = [0.3, 0.4, 0.9, 0.1, 0.5, 0.5, 0.2, 0.6, 1]
        let truth: [Float] = [0.31, 0.2, 0.5, 0.1, 0.45, 0.55, 0.3, 0.1, 0]
        let batch = TraitBatch(input: Tensor(shape: [1, 8, 8, 3]), traitTargets: Tensor(shape: [1, 3], scalars: traitTargets),
                               traitWeights: Tensor(shape: [1, 3], scalars: [1, 1, 1]),
                               keypointTargets: Tensor(shape: [1, 9], scalars: truth), keypointWeights: Tensor(shape: [1, 9], scalars: [Float](repeating: 1, count: 9)))
        let output = Variable(Tensor(shape: [1, 12], scalars: logits + code))
        var bce = 0.0
        for j in 0..<3 {
            let x = Double(logits[j]), t = Double(traitTargets[j])
            bce += max(x, 0) - x * t + log(1 + exp(-abs(x)))
        }
        bce /= 3
        let differences = zip(code, truth).map { Double($0) - Double($1) }
        let mse = differences.map { $0 * $0 }.reduce(0, +) / 9
        let beta = 0.05
        let huber = differences.map { abs($0) < beta ? 0.5 * $0 * $0 / beta : abs($0) - 0.5 * beta }.reduce(0, +) / 9

        var recipe = TrainingRecipe()
        recipe.keypointLossWeight = 3
        let plain = TraitTrainer(recipe: recipe, training: [], validation: [], checkpointPath: "/nonexistent/unused")
        let mseLoss = Double(plain.traitLoss(output, batch, traitWeight: 0.1).value.scalars[0])
        #expect(abs(mseLoss - (0.1 * bce + 3 * mse)) < 1e-5)

        recipe.keypointLoss = "smoothL1"; recipe.keypointSmoothL1Beta = Float(beta)
        let robust = TraitTrainer(recipe: recipe, training: [], validation: [], checkpointPath: "/nonexistent/unused")
        let huberLoss = Double(robust.traitLoss(output, batch, traitWeight: 1).value.scalars[0])
        #expect(abs(huberLoss - (bce + 3 * huber)) < 1e-5)
        #expect(abs(huber - mse) > 0.01)   // the two choices really differ on this batch

        recipe.keypointLoss = "l2"
        #expect(recipe.problem?.contains("keypointLoss") == true)
        recipe.keypointLoss = "smoothL1"; recipe.keypointSmoothL1Beta = 0
        #expect(recipe.problem?.contains("keypointSmoothL1Beta") == true)
        let decoded = try JSONDecoder().decode(TrainingRecipe.self, from: Data(#"{"keypointLoss": "smoothL1", "keypointSmoothL1Beta": 0.1}"#.utf8))
        #expect(decoded.keypointLoss == "smoothL1" && decoded.keypointSmoothL1Beta == 0.1 && decoded.keypointLossWeight == 1)
    }

    @Test func planMatchesModelAndFileRoundTrip() throws {
        let model = TraitClassifier(TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.5, keypoints: true, inputSize: 64), seed: 3)
        model.eval()
        var rng = RandomSource(seed: 4)
        let x = Tensor.normal([2, 64, 64, 3], using: &rng)
        let y = GradientRecording.withoutGradients { model(Variable(x)) }.value
        #expect(y.shape == [2, 12])
        let z = try model.inferencePlan(maxBatch: 2)(x)
        #expect(z.maxAbsDifference(y) <= 1e-4 * max(1, y.maxAbs))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trait-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TraitModelFile.save(model, to: path)
        let loaded = try TraitModelFile.load(path)
        #expect(loaded.configuration == model.configuration)
        loaded.eval()
        #expect(GradientRecording.withoutGradients { loaded(Variable(x)) }.value == y)
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelFileError.self) { _ = try TraitModelFile.load(path) }
    }
}

/// End to end on synthetic crops: a tiny model learns eye colour (a red vs a pale blob) within
/// a few epochs, with keypoints regressed at the same time, and the checkpoint resumes.
@Suite struct TraitTrainingTests {
    static func crop(white: Bool, male: Bool, rng: inout RandomSource) -> TraitSample {
        var image = RGBImage(width: 48, height: 48, fill: RGB(60, 110, 160))
        let hx = rng.uniform(10, 38), hy = rng.uniform(10, 38)
        image.fillCircle(center: Point2D(Double(48 - hx), Double(48 - hy)), radius: 7, color: male ? RGB(30, 20, 10) : RGB(200, 170, 120))
        image.fillCircle(center: Point2D(Double(hx), Double(hy)), radius: 5, color: white ? RGB(240, 235, 220) : RGB(190, 20, 20))
        let k = FlyKeypoints(head: Point2D(Double(hx), Double(hy)), tail: Point2D(Double(48 - hx), Double(48 - hy)),
                             wing1: Point2D(24, 10), wing2: Point2D(24, 38))
        return TraitSample(image: image, traits: FlyTraits(eye: white ? .white : .red, wing: .long, sex: male ? .male : .female),
                           keypoints: k, source: "synthetic")
    }

    /// 16 short epochs of a half-width Small model at 48 px: enough to learn eye colour here.
    static func recipe() -> TrainingRecipe {
        var recipe = TrainingRecipe()
        recipe.model = TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.5, keypoints: true, inputSize: 48)
        recipe.stages = 4; recipe.epochsPerStage = 4; recipe.startSize = 48; recipe.endSize = 48
        recipe.startOps = 0; recipe.endOps = 1; recipe.startMagnitude = 10; recipe.endMagnitude = 10
        recipe.batchSize = 32; recipe.learningRate = 0.1; recipe.decayGamma = 0.8; recipe.decayEveryEpochs = 2
        recipe.keypointPhaseShare = 0.0625; recipe.headPhaseShare = 0.0625
        return recipe
    }

    @Test func learnsAndResumes() throws {
        var rng = RandomSource(seed: 11)
        let training = (0..<256).map { i in Self.crop(white: i % 2 == 0, male: i % 3 == 0, rng: &rng) }
        let validation = (0..<40).map { i in Self.crop(white: i % 2 == 1, male: i % 3 == 1, rng: &rng) }
        let recipe = Self.recipe()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }

        let trainer = TraitTrainer(recipe: recipe, training: training, validation: validation, checkpointPath: path)
        var reports: [EpochReport] = []
        var progress: [[Int]] = []
        try trainer.run(report: { reports.append($0) }, batchDone: { progress.append([$0, $1]) })
        #expect(reports.count == 16)
        // Each epoch (8 batches of 32 crops) reports 0 done before its first batch, then 1…8.
        #expect(progress == Array(repeating: (0...8).map { [$0, 8] }, count: 16).flatMap { $0 })
        #expect(reports.map(\.phase) == ["keypoints", "traitHead"] + [String](repeating: "all", count: 14))
        let metrics = TraitEvaluator.evaluate(trainer.model, samples: validation, size: 48)
        #expect(metrics.traits[0].accuracy >= 0.9, "eye accuracy \(metrics.traits[0].accuracy); losses \(reports.map(\.loss)); val \(reports.map { $0.validationAccuracy ?? [] })")
        // Losses are comparable within the last phase (same weights): they fall.
        #expect(reports.last!.loss < reports[2].loss)

        // Resume from the final checkpoint: nothing left to do, weights identical.
        let resumed = TraitTrainer(recipe: recipe, training: training, validation: validation, checkpointPath: path)
        try resumed.resume()
        #expect(resumed.completedEpochs == 16)
        #expect(resumed.model.stateEntries().map { $0.get() } == trainer.model.stateEntries().map { $0.get() })
        var changed = recipe
        changed.learningRate = 0.2
        #expect(throws: (any Error).self) { try TraitTrainer(recipe: changed, training: training, validation: [], checkpointPath: path).resume() }
    }
}

/// Training with a weight average: the saved model is the average (not the last step's
/// weights), and a run stopped after an epoch and resumed ends with exactly the weights of an
/// uninterrupted one — the average included; with `weightAverageLastEpochs` 1 the average
/// covers only the last epoch.
@Suite struct WeightAveragedTrainingTests {
    @Test(arguments: [nil, 1] as [Int?])
    func savesTheAverageAndResumesExactly(lastEpochs: Int?) throws {
        var rng = RandomSource(seed: 12)
        let training = (0..<64).map { i in TraitTrainingTests.crop(white: i % 2 == 0, male: i % 3 == 0, rng: &rng) }
        var recipe = TraitTrainingTests.recipe()
        recipe.stages = 1; recipe.epochsPerStage = 2; recipe.weightAverageDecay = 0.9
        recipe.weightAverageLastEpochs = lastEpochs
        #expect(recipe.problem == nil)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).safetensors").path
        let afterFirst = path + ".epoch1"
        defer { for p in [path, afterFirst] { try? FileManager.default.removeItem(atPath: p) } }

        let straight = TraitTrainer(recipe: recipe, training: training, validation: [], checkpointPath: path)
        try straight.run(report: { report in
            if report.epoch == 1 { try? FileManager.default.copyItem(atPath: path, toPath: afterFirst) }
        })
        let average = try #require(straight.weightAverage)
        #expect(average.updates == (lastEpochs == 1 ? 2 : 4), "two batches of 32 crops per epoch, over the epochs averaged")
        for entry in straight.model.stateEntries() where average.averages[entry.name] != nil {
            #expect(entry.get() == average.averages[entry.name]!, "the model holds the average: \(entry.name)")
        }
        // The last step's weights (in the checkpoint) are not the average.
        let last = TraitTrainer(recipe: recipe, training: training, validation: [], checkpointPath: path)
        try last.resume()
        #expect(last.model.stateEntries().map { $0.get() } != straight.model.stateEntries().map { $0.get() })

        let resumed = TraitTrainer(recipe: recipe, training: training, validation: [], checkpointPath: afterFirst)
        try resumed.resume()
        #expect(resumed.completedEpochs == 1 && resumed.weightAverage!.updates == (lastEpochs == 1 ? 0 : 2))
        try resumed.run(report: { _ in })
        #expect(resumed.model.stateEntries().map { $0.get() } == straight.model.stateEntries().map { $0.get() })

        var wrong = recipe
        wrong.weightAverageLastEpochs = 3
        #expect(wrong.problem?.contains("weightAverageLastEpochs must be 1…2") == true)
        wrong.weightAverageLastEpochs = 1; wrong.weightAverageDecay = nil
        #expect(wrong.problem?.contains("needs weightAverageDecay") == true)
    }
}

/// Compression-aware fine-tuning of a trained classifier: fake quantisers attached, predictions
/// through the simulated (autograd) path, a few epochs that keep the accuracy and move the
/// learned steps, then detached back to float.
@Suite struct QuantizationAwareFineTuningTests {
    @Test func lsqFineTuningKeepsWhatTheModelLearned() throws {
        var rng = RandomSource(seed: 11)   // the data of TraitTrainingTests
        let training = (0..<256).map { i in TraitTrainingTests.crop(white: i % 2 == 0, male: i % 3 == 0, rng: &rng) }
        let validation = (0..<40).map { i in TraitTrainingTests.crop(white: i % 2 == 1, male: i % 3 == 1, rng: &rng) }
        // The recipe of TraitTrainingTests (which reaches ≥ 90 % eye accuracy), then a short fine-tune.
        let recipe = TraitTrainingTests.recipe()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qat-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let float = TraitTrainer(recipe: recipe, training: training, validation: [], checkpointPath: path)
        try float.run(report: { _ in })
        let model = float.model
        let floatAccuracy = TraitEvaluator.evaluate(model, samples: validation).traits[0].accuracy
        #expect(floatAccuracy >= 0.9)

        // 4-bit weights, 8-bit activations, learned steps; one forward creates the steps.
        QuantizationAwareness.attach(to: model, .init(weightBits: 4, activationBits: 8, learned: true))
        model.eval()
        _ = GradientRecording.withoutGradients { model(Variable(TraitPredictor.inputTensor(training.prefix(16).map(\.image), side: 48))) }
        #expect(model.hasAttachedQuantizers && TraitPredictor(model).precision == "fake-quantised")
        let steps = model.namedParameters().filter { $0.0.hasSuffix("quantizer.step") }.map(\.1)
        let before = steps.map { $0.value }
        var tune = recipe
        tune.stages = 1; tune.epochsPerStage = 2; tune.learningRate = 0.01
        tune.keypointPhaseShare = 0; tune.headPhaseShare = 0
        let qat = FileManager.default.temporaryDirectory.appendingPathComponent("qat2-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: qat) }
        let trainer = TraitTrainer(recipe: tune, model: model, training: training, validation: validation, checkpointPath: qat)
        try trainer.run(report: { _ in })
        #expect(zip(steps.map(\.value), before).contains { $0 != $1 }, "the learned steps were trained")
        let simulated = TraitEvaluator.evaluate(model, samples: validation).traits[0].accuracy
        #expect(simulated >= floatAccuracy - 0.1, "fake-quantised eye accuracy \(simulated) vs float \(floatAccuracy)")
        QuantizationAwareness.detach(from: model)
        #expect(!model.hasAttachedQuantizers)
    }
}

/// The heat-map keypoint heads: same 12 outputs as the regression head, positions from
/// soft-argmax maps on the stride-16 features (`heatmap-moments`: the wing code from the maps too;
/// `heatmap-pair`: one map per wing tip).
@Suite struct KeypointMapTests {
    static let mapHeads: [TraitClassifierConfiguration.KeypointHead] = [.heatmap, .heatmapMoments, .heatmapPair]

    static func configuration(_ head: TraitClassifierConfiguration.KeypointHead) -> TraitClassifierConfiguration {
        TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.5, keypoints: true, inputSize: 64, keypointHead: head)
    }

    @Test(arguments: mapHeads)
    func heatMapModelRoundTripsPredictsAndRefusesDynamicInt8(head: TraitClassifierConfiguration.KeypointHead) throws {
        let model = TraitClassifier(Self.configuration(head), seed: 5)
        // Only the regression-of-(c, d, e) head has a keypoint layer on the pooled vector.
        #expect((model.keypointHead != nil) == (head == .heatmap))
        var rng = RandomSource(seed: 6)
        // Training-mode passes move the batch-norm statistics, so the compiled plan's folding
        // (backbone and map head) is really exercised.
        model.train()
        for _ in 0..<3 { _ = GradientRecording.withoutGradients { model(Variable(Tensor.normal([4, 64, 64, 3], using: &rng))) } }
        model.eval()
        let x = Tensor.normal([2, 64, 64, 3], using: &rng)
        let y = GradientRecording.withoutGradients { model(Variable(x)) }.value
        #expect(y.shape == [2, 12])
        // Positions (head, tail, wing-tip midpoint) are expectations over the map: inside the crop.
        // With the moments head the wing code is too: spreads are two standard deviations of a
        // distribution on 0…1 (≤ 1, plus 2√ε), e is ½ + ½ × a correlation; with the pair head
        // the spreads are distances of two points on 0…1 and e a sigmoid.
        let bounded = head == .heatmap ? 3..<9 : 3..<12
        for n in 0..<2 { for j in bounded { #expect((0...1.002).contains(y.scalars[n * 12 + j]), "output \(j): \(y.scalars[n * 12 + j])") } }
        // The compiled path (backbone plan + folded map head) agrees with the autograd forward.
        let compiled = Tensor(shape: [2, 12], scalars: TraitPredictor(model).outputs(x))
        #expect(compiled.maxAbsDifference(y) <= 1e-4 * max(1, y.maxAbs), "plan vs model: \(compiled.maxAbsDifference(y))")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kpmap-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TraitModelFile.save(model, to: path)
        let loaded = try TraitModelFile.load(path)
        #expect(loaded.configuration == model.configuration && loaded.keypointMaps != nil)
        loaded.eval()
        #expect(GradientRecording.withoutGradients { loaded(Variable(x)) }.value == y)
        #expect(throws: UnsupportedForQuantization.self) { _ = try model.quantized(.dynamicInt8, calibration: []) }
    }

    /// Progressive learning passes through input sizes that are not multiples of 16 (72, 88,
    /// 104 px): the maps' cells must stay where they are in the image, 16 input pixels apart, or
    /// one map means different positions at different sizes. And the compiled plan must agree.
    @Test(arguments: mapHeads)
    func mapCellsKeepTheirPlaceAtInputSizesThatAreNotMultiplesOf16(head: TraitClassifierConfiguration.KeypointHead) throws {
        let count = Self.configuration(head).keypointMapCount
        var maps = Tensor(shape: [1, 6, 6, count])   // an 88-px input's stride-16 maps
        for ch in 0..<count { maps.scalars[(4 * 6 + 5) * count + ch] = 40 }   // every map: one peak in row 4, column 5
        let regressed = head == .heatmap ? Variable(Tensor(shape: [1, 3])) : nil
        let code = concatChannels(TraitClassifier.keypointCode(maps: Variable(maps), regressed: regressed, inputHeight: 88, inputWidth: 88)).value.scalars
        #expect(abs(code[0] - 5.5 * 16 / 88) < 1e-4 && abs(code[1] - 4.5 * 16 / 88) < 1e-4, "\(code)")
        #expect(abs(code[4] - 5.5 * 16 / 88) < 1e-4, "wing-tip midpoint \(code[4])")
        var configuration = Self.configuration(head)
        configuration.inputSize = 88
        let model = TraitClassifier(configuration, seed: 8)
        model.eval()
        var rng = RandomSource(seed: 9)
        let x = Tensor.normal([2, 88, 88, 3], using: &rng)
        let y = GradientRecording.withoutGradients { model(Variable(x)) }.value
        let compiled = Tensor(shape: [2, 12], scalars: TraitPredictor(model).outputs(x))
        #expect(compiled.maxAbsDifference(y) <= 1e-4 * max(1, y.maxAbs), "plan vs model at 88 px: \(compiled.maxAbsDifference(y))")
    }

    @Test func configurationsWithoutTheFieldAreRegressionModels() throws {
        let old = #"{"variant":"small","widthMultiplier":1,"keypoints":true,"dropout":0.5,"inputSize":112}"#
        let decoded = try JSONDecoder().decode(TraitClassifierConfiguration.self, from: Data(old.utf8))
        #expect(decoded.keypointHead == .regression && !decoded.usesKeypointMaps)
        for head in Self.mapHeads {
            let again = try JSONDecoder().decode(TraitClassifierConfiguration.self, from: JSONEncoder().encode(Self.configuration(head)))
            #expect(again == Self.configuration(head) && again.usesKeypointMaps)
        }
        let unknown = #"{"variant":"small","widthMultiplier":1,"keypoints":true,"dropout":0.5,"inputSize":112,"keypointHead":"sideways"}"#
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(TraitClassifierConfiguration.self, from: Data(unknown.utf8)) }
    }

    /// The synthetic crops of TraitTrainingTests put the "head" blob anywhere in 10…38 of 48 px;
    /// trained mostly on keypoints, the maps must place it far better than always answering the
    /// middle. (At 96 px, i.e. 6×6 maps; 3×3 maps of a 48-px input were too coarse to learn in
    /// this budget.)
    @Test(arguments: mapHeads)
    func heatMapHeadLearnsWhereTheHeadIs(head mapHead: TraitClassifierConfiguration.KeypointHead) throws {
        var rng = RandomSource(seed: 11)
        let training = (0..<256).map { i in TraitTrainingTests.crop(white: i % 2 == 0, male: i % 3 == 0, rng: &rng) }
        let validation = (0..<40).map { i in TraitTrainingTests.crop(white: i % 2 == 1, male: i % 3 == 1, rng: &rng) }
        var recipe = TraitTrainingTests.recipe()
        recipe.model.keypointHead = mapHead
        recipe.startSize = 96; recipe.endSize = 96; recipe.model.inputSize = 96
        recipe.keypointPhaseShare = 0.75; recipe.keypointLossWeight = 10
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kpmap-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trainer = TraitTrainer(recipe: recipe, training: training, validation: [], checkpointPath: path)
        try trainer.run(report: { _ in })
        let head = TraitEvaluator.evaluate(trainer.model, samples: validation).keypointErrorByPointPercent!.head
        // Always answering the centre (24, 24): the mean distance to the true heads.
        let centre = validation.map { s -> Double in
            let h = s.keypoints!.head
            return ((h.x - 24) * (h.x - 24) + (h.y - 24) * (h.y - 24)).squareRoot()
        }.reduce(0, +) / Double(validation.count) / 48 * 100
        #expect(head < centre / 2, "heat-map head error \(head) % of the crop; the centre's \(centre) %")
    }
}
