import Autograd
import Datasets
import Foundation
import ImageIO
import Layers
import Models
import SafeTensors
import Tensors
import Testing
@testable import Detector

/// The stride-4 option: one more top-down step of the neck, heads at twice the resolution.
@Suite struct StrideFourDetectorTests {
    let small = FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 64, neckChannels: 16, outputStride: 4)

    @Test func headsComeOutAtStrideFour() {
        let detector = FlyDetector(small, seed: 1)
        detector.eval()
        var rng = RandomSource(seed: 2)
        let y = GradientRecording.withoutGradients { detector(Variable(Tensor.normal([1, 64, 96, 3], using: &rng))) }
        #expect(y.shape == [1, 16, 24, 5])
        #expect(detector.children.map(\.0).contains("lateral4"))
        #expect(!FlyDetector(FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 64, neckChannels: 16), seed: 1)
            .children.map(\.0).contains("lateral4"))
    }

    @Test func configurationsWithoutAStrideAreStrideEight() throws {
        let old = #"{"variant": "small", "widthMultiplier": 1, "inputSize": 512, "neckChannels": 64}"#
        #expect(try JSONDecoder().decode(FlyDetectorConfiguration.self, from: Data(old.utf8)).outputStride == 8)
        let fine = #"{"variant": "small", "widthMultiplier": 1, "inputSize": 512, "neckChannels": 64, "outputStride": 4}"#
        #expect(try JSONDecoder().decode(FlyDetectorConfiguration.self, from: Data(fine.utf8)).outputStride == 4)
        let wrong = #"{"variant": "small", "widthMultiplier": 1, "inputSize": 512, "neckChannels": 64, "outputStride": 2}"#
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(FlyDetectorConfiguration.self, from: Data(wrong.utf8)) }
        // Round trip through the encoder keeps the stride.
        let encoded = try JSONEncoder().encode(small)
        #expect(try JSONDecoder().decode(FlyDetectorConfiguration.self, from: encoded) == small)
    }

    @Test func refiningAStrideEightDetectorKeepsItsWeightsAndBoxSizes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-stride4-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var coarseConfiguration = small
        coarseConfiguration.outputStride = 8
        let coarse = FlyDetector(coarseConfiguration, seed: 7)
        // Non-zero biases, so the doubling of the size outputs' bias is checked too.
        let sizeOut = coarse.boxHead.layers.last as! Conv2D
        sizeOut.bias!.value = Tensor(shape: [4], scalars: [0.5, -0.25, 0.125, 0.75])
        try DetectorModelFile.save(coarse, threshold: 0.3, to: dir + "/coarse.safetensors")
        var recipe = DetectorRecipe()
        recipe.model = small
        let trainer = DetectorTrainer(recipe: recipe, training: [], validation: [], checkpointPath: dir + "/c.safetensors")
        let untouched = Dictionary(uniqueKeysWithValues: trainer.model.namedParameters().map { ($0.0, $0.1.value) })
        try trainer.initialize(from: dir + "/coarse.safetensors")
        let fine = Dictionary(uniqueKeysWithValues: trainer.model.namedParameters().map { ($0.0, $0.1.value) })
        let source = Dictionary(uniqueKeysWithValues: coarse.namedParameters().map { ($0.0, $0.1.value) })
        let sizeName = "box.2"
        for (name, value) in source where !name.hasPrefix(sizeName) {
            #expect(fine[name] == value, "\(name) not copied")
        }
        // The stride-4 step keeps its own initial weights.
        for (name, value) in fine where name.hasPrefix("lateral4") || name.hasPrefix("smooth4") {
            #expect(untouched[name] == value, "\(name) should keep its initial weights")
        }
        // w and h (outputs 0 and 1) doubled, offsets (2 and 3) unchanged.
        let w8 = source[sizeName + ".weight"]!, w4 = fine[sizeName + ".weight"]!
        let per = w8.count / 4
        for i in 0..<w8.count { #expect(w4.scalars[i] == (i < 2 * per ? 2 : 1) * w8.scalars[i]) }
        #expect(fine[sizeName + ".bias"]!.scalars == [1, -0.5, 0.125, 0.75])
        // A stride-8 detector cannot start from a stride-4 one (its stride-4 layers would be lost).
        try DetectorModelFile.save(trainer.model, threshold: 0.3, to: dir + "/fine.safetensors")
        var coarseRecipe = DetectorRecipe()
        coarseRecipe.model = coarseConfiguration
        let coarseTrainer = DetectorTrainer(recipe: coarseRecipe, training: [], validation: [], checkpointPath: dir + "/d.safetensors")
        #expect(throws: ModelFileError.self) { try coarseTrainer.initialize(from: dir + "/fine.safetensors") }
    }

    @Test func trainingTargetsAreAtTheModelsStride() {
        var photo = RGBImage(width: 128, height: 128, fill: RGB(60, 80, 160))
        for yy in 40..<52 { for xx in 40..<64 { photo[xx, yy] = .white } }
        var recipe = DetectorRecipe()
        recipe.model = small
        recipe.cropSize = 64
        recipe.photometricOps = 0
        var rng = RandomSource(seed: 9)
        let batch = DetectorBatch.make([DetectorSample(image: photo, boxes: [BoundingBox(x: 40, y: 40, width: 24, height: 12)], source: "t")],
                                       recipe: recipe, rng: &rng)
        #expect(batch.heatmap.shape == [16 * 16, 1])
        #expect(batch.box.shape == [16 * 16, 4])
    }
}
