import Autograd
import Foundation
import Layers
import Models
import SafeTensors
import Tensors
import Testing
@testable import Detector

/// Residual blocks before the detector's heads (`headBlocks`, `DetectorHeadBlock`): they start
/// as the identity, so a trained detector can take them on without changing its output; once
/// trained they must compute the same in the compiled plan as in the graph; and the
/// configuration key must not change detectors that have none.
@Suite struct DetectorHeadBlockTests {
    static func configuration(blocks: Int, stride: Int = 4) -> FlyDetectorConfiguration {
        FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 64, neckChannels: 8, outputStride: stride,
                                 headBlocks: blocks)
    }

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-blocks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(arguments: [4, 8])
    func blocksAddedToATrainedDetectorStartAsTheIdentity(stride: Int) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = DetectorWideningTests.trained(neck: 8, stride: stride, seed: 3)
        try DetectorModelFile.save(plain, threshold: 0.3, to: dir + "/plain.safetensors")
        var recipe = DetectorRecipe()
        recipe.model = Self.configuration(blocks: 2, stride: stride)
        let trainer = DetectorTrainer(recipe: recipe, training: [], validation: [], checkpointPath: dir + "/c.safetensors")
        var rng = RandomSource(seed: 4)
        let input = Tensor.normal([2, 64, 96, 3], using: &rng)
        let before = DetectorWideningTests.output(trainer.model, input)
        try trainer.initialize(from: dir + "/plain.safetensors")
        let expected = DetectorWideningTests.output(plain, input), got = DetectorWideningTests.output(trainer.model, input)
        let worst = zip(got.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-5, "largest difference \(worst)")
        #expect(zip(before.scalars, expected.scalars).contains { abs($0 - $1) > 1e-2 }, "the new detector must start different")
        // The blocks' convolutions are live weights; only the last batch norm's γ is zero.
        let block = try #require(trainer.model.headBlocks?.layers.first as? DetectorHeadBlock)
        #expect((block.pointwise.layers[0] as! Conv2D).weight.value.scalars.contains { $0 != 0 })
        #expect((block.pointwise.layers[1] as! BatchNorm2D).gamma.value.scalars.allSatisfy { $0 == 0 })
        // A file with blocks does not fit a detector without them.
        try DetectorModelFile.save(trainer.model, threshold: 0.3, to: dir + "/blocks.safetensors")
        var plainRecipe = DetectorRecipe()
        plainRecipe.model = Self.configuration(blocks: 0, stride: stride)
        let plainTrainer = DetectorTrainer(recipe: plainRecipe, training: [], validation: [], checkpointPath: dir + "/d.safetensors")
        #expect(throws: ModelFileError.self) { try plainTrainer.initialize(from: dir + "/blocks.safetensors") }
    }

    /// A stride-8 detector refined to stride 4 with blocks added in the same step: every
    /// shared weight is kept (the box head's sizes doubled, as when refining without blocks).
    @Test func aStrideEightDetectorTakesTheStrideFourStepAndBlocksTogether() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let coarse = DetectorWideningTests.trained(neck: 8, stride: 8, seed: 5)
        try DetectorModelFile.save(coarse, threshold: 0.3, to: dir + "/coarse.safetensors")
        let file = try SafeTensorsFile.read(path: dir + "/coarse.safetensors")
        let fine = FlyDetector(Self.configuration(blocks: 1, stride: 4), seed: 6)
        try fine.loadState(fromDetector: file, prefix: "")
        #expect(fine.lateral8.stateEntries().map { $0.get() } == coarse.lateral8.stateEntries().map { $0.get() })
        let coarseSize = (coarse.boxHead.layers.last as! Conv2D).weight.value
        let fineSize = (fine.boxHead.layers.last as! Conv2D).weight.value
        let perOutput = coarseSize.count / coarseSize.shape[0]
        #expect(fineSize.scalars[0] == 2 * coarseSize.scalars[0] && fineSize.scalars[2 * perOutput] == coarseSize.scalars[2 * perOutput])
    }

    @Test(arguments: [4, 8])
    func compiledPlanMatchesTheGraphWithTrainedBlocks(stride: Int) {
        let detector = FlyDetector(FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 96, neckChannels: 16,
                                                            outputStride: stride, headBlocks: 2), seed: 7)
        var rng = RandomSource(seed: 8)
        // Blocks that are not the identity (γ of their last batch norm away from zero).
        for entry in detector.stateEntries() where entry.name.hasPrefix("blocks.") && entry.kind == .parameter {
            let t = entry.get(), spread: Float = entry.name.contains("pointwise.1") ? 2 : 0.5
            entry.set(Tensor(shape: t.shape, scalars: (0..<t.count).map { _ in Float.random(in: -spread...spread, using: &rng) }))
        }
        let (input, reference, _, compiled) = DetectorPlanTests.settledOutputs(detector, rng: &rng)
        #expect(compiled.shape == [2, 96 / stride, 64 / stride, 5])
        #expect(compiled.maxAbsDifference(reference) < 1e-3 * max(1, reference.maxAbs), "plan vs graph: \(compiled.maxAbsDifference(reference))")
        // The blocks matter to that output: made the identity again, the graph's output moves.
        for case let block as DetectorHeadBlock in detector.headBlocks!.layers {
            let norm = block.pointwise.layers[1] as! BatchNorm2D
            norm.gamma.value = Tensor(shape: norm.gamma.value.shape)
            norm.beta.value = Tensor(shape: norm.beta.value.shape)
        }
        let identity = GradientRecording.withoutGradients { detector(Variable(input)).value }
        #expect(identity.maxAbsDifference(reference) > 1e-2 * max(1, reference.maxAbs), "the blocks must change the output for this test to mean anything")
    }

    @Test func configurationWritesHeadBlocksOnlyWhenThereAreSome() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let plain = String(decoding: try encoder.encode(Self.configuration(blocks: 0)), as: UTF8.self)
        #expect(!plain.contains("headBlocks"))
        let withBlocks = Self.configuration(blocks: 3)
        let text = try encoder.encode(withBlocks)
        #expect(try JSONDecoder().decode(FlyDetectorConfiguration.self, from: text) == withBlocks)
        // A configuration written before the key existed has none.
        #expect(try JSONDecoder().decode(FlyDetectorConfiguration.self, from: Data(plain.utf8)).headBlocks == 0)
        let tooMany = plain.replacingOccurrences(of: "\"inputSize\"", with: "\"headBlocks\":9,\"inputSize\"")
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(FlyDetectorConfiguration.self, from: Data(tooMany.utf8)) }
        // Saved and loaded with its blocks.
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = FlyDetector(withBlocks, seed: 9)
        try DetectorModelFile.save(model, threshold: 0.3, to: dir + "/m.safetensors")
        let (loaded, _) = try DetectorModelFile.load(dir + "/m.safetensors")
        #expect(loaded.configuration.headBlocks == 3)
        #expect(loaded.stateEntries().map { $0.get() } == model.stateEntries().map { $0.get() })
    }
}
