import Autograd
import Foundation
import Layers
import Models
import Tensors
import Testing
@testable import Detector

/// Widening a trained detector's neck (`copyWidened`, and `train --detector --init-from` a file
/// with a narrower neck): the wider detector must compute the same output map, yet its new
/// channels must be live weights that training can use.
@Suite struct DetectorWideningTests {
    static func configuration(neck: Int, stride: Int = 4) -> FlyDetectorConfiguration {
        FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 64, neckChannels: neck, outputStride: stride)
    }

    static func output(_ detector: FlyDetector, _ input: Tensor) -> Tensor {
        detector.eval()
        return GradientRecording.withoutGradients { detector(Variable(input)) }.value
    }

    /// A detector whose batch-norm statistics and biases are not the initial ones, so that a
    /// copy that skipped them would change the output.
    static func trained(neck: Int, stride: Int, seed: UInt64) -> FlyDetector {
        let detector = FlyDetector(configuration(neck: neck, stride: stride), seed: seed)
        var rng = RandomSource(seed: seed &+ 1)
        for entry in detector.stateEntries() where entry.name.hasSuffix("running_mean") || entry.name.hasSuffix("bias") {
            let t = entry.get()
            entry.set(Tensor(shape: t.shape, scalars: (0..<t.count).map { _ in Float.random(in: -0.3...0.3, using: &rng) }))
        }
        return detector
    }

    @Test(arguments: [4, 8])
    func widenedDetectorComputesTheSameOutput(stride: Int) {
        let narrow = Self.trained(neck: 8, stride: stride, seed: 3)
        let wide = FlyDetector(Self.configuration(neck: 24, stride: stride), seed: 9)
        var rng = RandomSource(seed: 4)
        let input = Tensor.normal([2, 64, 96, 3], using: &rng)
        let before = Self.output(wide, input)
        narrow.copyWidened(into: wide)
        let expected = Self.output(narrow, input), got = Self.output(wide, input)
        #expect(got.shape == expected.shape)
        let worst = zip(got.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "largest difference \(worst)")
        #expect(zip(before.scalars, expected.scalars).contains { abs($0 - $1) > 1e-2 }, "the wide detector must start different")
        // The new channels keep live weights: the lateral convolutions' new outputs are not zero.
        let lateral = (wide.lateral8.layers[0] as! Conv2D).weight.value
        let perOutput = lateral.count / lateral.shape[0]
        #expect(lateral.scalars[(8 * perOutput)...].contains { $0 != 0 })
        // ... and the heads read them through weights that start at zero.
        let heat = (wide.heatHead.layers.last as! Conv2D).weight.value
        #expect(heat.scalars[8...].allSatisfy { $0 == 0 } && heat.scalars[..<8].contains { $0 != 0 })
    }

    @Test func trainerWidensANarrowerDetectorFileAndRefusesOtherDifferences() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-widen-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let narrow = Self.trained(neck: 8, stride: 4, seed: 5)
        try DetectorModelFile.save(narrow, threshold: 0.3, to: dir + "/narrow.safetensors")
        var recipe = DetectorRecipe()
        recipe.model = Self.configuration(neck: 16)
        let trainer = DetectorTrainer(recipe: recipe, training: [], validation: [], checkpointPath: dir + "/c.safetensors")
        try trainer.initialize(from: dir + "/narrow.safetensors")
        var rng = RandomSource(seed: 6)
        let input = Tensor.normal([1, 64, 64, 3], using: &rng)
        let worst = zip(Self.output(trainer.model, input).scalars, Self.output(narrow, input).scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "largest difference \(worst)")
        // A narrower neck at another stride is not a widening.
        try DetectorModelFile.save(Self.trained(neck: 8, stride: 8, seed: 7), threshold: 0.3, to: dir + "/coarse.safetensors")
        #expect(throws: ModelFileError.self) { try trainer.initialize(from: dir + "/coarse.safetensors") }
    }
}
