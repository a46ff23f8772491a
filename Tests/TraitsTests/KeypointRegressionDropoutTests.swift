import Autograd
import Layers
import Foundation
import Tensors
import Testing
@testable import Traits

/// `keypointRegressionSeesDropout` off: in training, the regressed keypoint values read the
/// hidden layer before its dropout while the trait logits keep it; at inference nothing changes.
@Suite struct KeypointRegressionDropoutTests {
    /// Output columns the pooled vector regresses: all nine keypoint values, or (c, d, e) after
    /// the six soft-argmax values of a heat-map model.
    static func regressedColumns(_ head: TraitClassifierConfiguration.KeypointHead) -> Range<Int> {
        head == .regression ? 3..<12 : 9..<12
    }

    static func forward(_ model: TraitClassifier, _ input: Tensor) -> [[Float]] {
        let out = GradientRecording.withoutGradients { model(Variable(input)).value }
        let width = out.shape[1]
        return (0..<out.shape[0]).map { Array(out.scalars[($0 * width)..<(($0 + 1) * width)]) }
    }

    @Test(arguments: [TraitClassifierConfiguration.KeypointHead.regression, .heatmap])
    func onlyTheTraitLogitsSeeDropoutWhenOff(head: TraitClassifierConfiguration.KeypointHead) {
        let model = TraitClassifier(TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.25, inputSize: 32, keypointHead: head), seed: 4)
        var rng = RandomSource(seed: 9)
        let input = Tensor.uniform([3, 32, 32, 3], low: -2, high: 2, using: &rng)
        let columns = Self.regressedColumns(head)
        func regressed(_ rows: [[Float]]) -> [[Float]] { rows.map { Array($0[columns]) } }
        func logits(_ rows: [[Float]]) -> [[Float]] { rows.map { Array($0[0..<3]) } }

        model.train()
        model.keypointRegressionSeesDropout = true
        let a = Self.forward(model, input), b = Self.forward(model, input)
        #expect(regressed(a) != regressed(b), "with dropout, two training passes draw different masks")
        #expect(logits(a) != logits(b))

        model.keypointRegressionSeesDropout = false
        let c = Self.forward(model, input), d = Self.forward(model, input)
        #expect(regressed(c) == regressed(d), "without dropout the regressed values are the same in every pass")
        #expect(logits(c) != logits(d), "the trait logits still see dropout")
        if head == .heatmap {
            // The soft-argmax values never passed through dropout.
            #expect(a.map { Array($0[3..<9]) } == c.map { Array($0[3..<9]) })
        }

        // At inference dropout is off, so the switch changes nothing.
        model.eval()
        let withSwitch = Self.forward(model, input)
        model.keypointRegressionSeesDropout = true
        #expect(Self.forward(model, input) == withSwitch)
    }

    @Test func theTrainerSetsItFromTheRecipe() throws {
        var recipe = TrainingRecipe()
        recipe.model = TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.25, inputSize: 32)
        let plain = String(decoding: try JSONEncoder().encode(recipe), as: UTF8.self)
        #expect(!plain.contains("keypointRegressionDropout"), "recipes without the key keep their fingerprint")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-kpdrop-\(UUID().uuidString)").path
        let withDropout = TraitTrainer(recipe: recipe, training: [], validation: [], checkpointPath: dir + "/a.safetensors")
        #expect(withDropout.model.keypointRegressionSeesDropout)
        recipe.keypointRegressionDropout = false
        let without = TraitTrainer(recipe: recipe, training: [], validation: [], checkpointPath: dir + "/b.safetensors")
        #expect(!without.model.keypointRegressionSeesDropout)
        let decoded = try JSONDecoder().decode(TrainingRecipe.self, from: Data(#"{"keypointRegressionDropout": false}"#.utf8))
        #expect(decoded.keypointRegressionDropout == false)
    }
}

/// `jointPhaseTrainsHidden` false: the joint phase trains the backbone and both heads but leaves
/// the hidden layer as the earlier phases made it.
@Suite struct JointPhaseHiddenTests {
    @Test(arguments: [nil, false] as [Bool?])
    func theJointPhaseLeavesTheHiddenLayerAloneWhenAsked(trainsHidden: Bool?) throws {
        var rng = RandomSource(seed: 13)
        let training = (0..<64).map { i in TraitTrainingTests.crop(white: i % 2 == 0, male: i % 3 == 0, rng: &rng) }
        var recipe = TraitTrainingTests.recipe()
        // Three epochs: keypoints, trait head, joint.
        recipe.stages = 1; recipe.epochsPerStage = 3; recipe.keypointPhaseShare = 0.3; recipe.headPhaseShare = 0.3
        recipe.jointPhaseTrainsHidden = trainsHidden
        #expect((0..<3).map { recipe.phase(epoch: $0) } == [.keypoints, .traitHead, .all])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trainer = TraitTrainer(recipe: recipe, training: training, validation: [], checkpointPath: path)
        func snapshot(_ module: Module) -> [Tensor] { module.parameters.map(\.value) }
        var hiddenBefore: [Tensor] = [], backboneBefore: [Tensor] = [], keypointsBefore: [Tensor] = []
        try trainer.run(report: { report in
            guard report.epoch == 2 else { return }   // after the trait-head phase, before the joint one
            hiddenBefore = snapshot(trainer.model.hidden)
            backboneBefore = snapshot(trainer.model.features)
            keypointsBefore = snapshot(trainer.model.keypointHead!)
        })
        #expect(!hiddenBefore.isEmpty)
        #expect((snapshot(trainer.model.hidden) == hiddenBefore) == (trainsHidden == false))
        #expect(snapshot(trainer.model.features) != backboneBefore, "the backbone trains in the joint phase")
        #expect(snapshot(trainer.model.keypointHead!) != keypointsBefore, "so does the keypoint head")
    }
}

/// `wingSpreadLossWeight` k: the spreads and sign (c, d, e) weigh k times as much in the
/// keypoint loss, and the other six values what they weighed before.
@Suite struct WingSpreadLossWeightTests {
    @Test func theSpreadsWeighKTimesAndTheRestAsBefore() throws {
        var recipe = TrainingRecipe()
        recipe.model = TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.25, inputSize: 32)
        let n = 2
        var rng = RandomSource(seed: 3)
        let predicted = Tensor.uniform([n, 12], low: -1, high: 1, using: &rng)
        let targets = Tensor.uniform([n, 9], low: 0, high: 1, using: &rng)
        let batch = TraitBatch(input: Tensor(shape: [n, 32, 32, 3]), traitTargets: Tensor(shape: [n, 3]), traitWeights: Tensor(shape: [n, 3]),
                               keypointTargets: targets, keypointWeights: Tensor(shape: [n, 9], scalars: [Float](repeating: 1, count: n * 9)))
        // Squared errors of the code values by position (MSE, the recipe's default loss).
        var others = 0.0, spreads = 0.0
        for row in 0..<n {
            for j in 0..<9 {
                let e = Double(predicted.scalars[row * 12 + 3 + j] - targets.scalars[row * 9 + j])
                if j >= 6 { spreads += e * e } else { others += e * e }
            }
        }
        let trainer = TraitTrainer(recipe: recipe, training: [], validation: [], checkpointPath: "/nonexistent/unused")
        func loss(_ k: Float) -> Double {
            Double(trainer.traitLoss(Variable(predicted), batch, traitWeight: 0, wingSpreadWeight: k).value.scalars[0])
        }
        #expect(abs(loss(1) - (others + spreads) / Double(9 * n)) < 1e-6)
        #expect(abs(loss(10) - (others + 10 * spreads) / Double(9 * n)) < 1e-5)
        #expect(abs(loss(0) - others / Double(9 * n)) < 1e-6)
        var bad = recipe
        bad.wingSpreadLossWeight = -1
        #expect(bad.problem == "wingSpreadLossWeight must be 0 or more")
    }
}
