import Autograd
import Foundation
import Layers
import Models
import Tensors
import Testing
@testable import Detector

/// The anti-aliased backbone (`antialiased`, `BlurDownsample`): the blur is the binomial filter
/// taken at stride 2; it makes a 1-pixel shift of fine detail a small change instead of a
/// total one; the network keeps the plain one's weights and state names, so a plain detector
/// file loads into it; it runs on its graph and refuses int8.
@Suite struct AntialiasedDetectorTests {
    @Test func blurDownsampleIsTheBinomialFilterAtStrideTwo() {
        var rng = RandomSource(seed: 2)
        let input = Tensor.normal([1, 6, 6, 2], using: &rng)
        let got = GradientRecording.withoutGradients { BlurDownsample(channels: 2)(Variable(input)) }.value
        #expect(got.shape == [1, 3, 3, 2])
        let taps: [Float] = [1, 2, 1]
        for oy in 0..<3 { for ox in 0..<3 { for c in 0..<2 {
            var expected: Float = 0
            for ky in 0..<3 { for kx in 0..<3 {
                let y = 2 * oy - 1 + ky, x = 2 * ox - 1 + kx
                guard (0..<6).contains(y), (0..<6).contains(x) else { continue }   // zero padding
                expected += taps[ky] * taps[kx] / 16 * input.scalars[(y * 6 + x) * 2 + c]
            } }
            #expect(abs(got.scalars[(oy * 3 + ox) * 2 + c] - expected) < 1e-5)
        } } }
    }

    /// Stripes one pixel wide: taking every other pixel sees all dark or all bright depending
    /// on a 1-pixel shift; the blur sees the same grey either way (away from the padded edge).
    @Test func aOnePixelShiftOfFineStripesBarelyMovesTheBlurredSamples() {
        func stripes(shift: Int) -> Tensor {
            Tensor(shape: [1, 8, 8, 1], scalars: (0..<64).map { Float(($0 % 8 + shift) % 2) })
        }
        let blur = BlurDownsample(channels: 1)
        func interior(_ t: Tensor) -> [Float] { [t.scalars[1 * 4 + 1], t.scalars[1 * 4 + 2], t.scalars[2 * 4 + 1], t.scalars[2 * 4 + 2]] }
        let a = GradientRecording.withoutGradients { blur(Variable(stripes(shift: 0))) }.value
        let b = GradientRecording.withoutGradients { blur(Variable(stripes(shift: 1))) }.value
        for (x, y) in zip(interior(a), interior(b)) { #expect(abs(x - y) <= 0.5 + 1e-6 && abs(x - 0.5) <= 0.25 + 1e-6) }
        // Plain subsampling (stride 2, no blur) flips from 0 to 1.
        let plainA = stripes(shift: 0).scalars[0], plainB = stripes(shift: 1).scalars[0]
        #expect(abs(plainA - plainB) == 1)
    }

    static let plain = FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 64, neckChannels: 8, outputStride: 4)
    static var antialiased: FlyDetectorConfiguration { var c = plain; c.antialiased = true; return c }

    @Test func theAntialiasedNetworkHasThePlainWeightsAndOutputShape() throws {
        let a = FlyDetector(Self.plain, seed: 1), b = FlyDetector(Self.antialiased, seed: 1)
        #expect(a.stateEntries().map(\.name) == b.stateEntries().map(\.name))
        #expect(a.stateEntries().map { $0.get().shape } == b.stateEntries().map { $0.get().shape })
        var rng = RandomSource(seed: 3)
        let input = Tensor.normal([1, 64, 96, 3], using: &rng)
        let outA = DetectorWideningTests.output(a, input), outB = DetectorWideningTests.output(b, input)
        #expect(outA.shape == outB.shape && outA.shape == [1, 16, 24, 5])
        #expect(zip(outA.scalars, outB.scalars).contains { abs($0 - $1) > 1e-3 }, "the blur must change the features")
        // The eval path (outputMap) runs the graph, not the plan that lacks the blur.
        let mapped = b.outputMap(normalized: input)
        #expect(zip(mapped.scalars, outB.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func aPlainDetectorFileLoadsIntoAnAntialiasedOne() throws {
        let dir = try DetectorHeadBlockTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = DetectorWideningTests.trained(neck: 8, stride: 4, seed: 5)
        try DetectorModelFile.save(plain, threshold: 0.3, to: dir + "/plain.safetensors")
        var recipe = DetectorRecipe()
        recipe.model = Self.antialiased
        let trainer = DetectorTrainer(recipe: recipe, training: [], validation: [], checkpointPath: dir + "/c.safetensors")
        try trainer.initialize(from: dir + "/plain.safetensors")
        for (x, y) in zip(plain.stateEntries(), trainer.model.stateEntries()) {
            #expect(x.name == y.name && x.get().scalars == y.get().scalars, "\(x.name)")
        }
        // Saved and read back, it is still anti-aliased.
        try DetectorModelFile.save(trainer.model, threshold: 0.3, to: dir + "/aa.safetensors")
        #expect(try DetectorModelFile.load(dir + "/aa.safetensors").model.configuration.antialiased)
    }

    @Test func theKeyIsWrittenOnlyWhenOnAndInt8IsRefused() throws {
        #expect(!String(decoding: try JSONEncoder().encode(Self.plain), as: UTF8.self).contains("antialiased"))
        let data = try JSONEncoder().encode(Self.antialiased)
        #expect(try JSONDecoder().decode(FlyDetectorConfiguration.self, from: data).antialiased)
        let detector = FlyDetector(Self.antialiased, seed: 1)
        #expect(throws: AntialiasedDetectorError.self) { _ = try detector.quantizedBackbone(calibration: []) }
    }
}
