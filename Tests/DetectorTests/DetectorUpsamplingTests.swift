import Autograd
import Foundation
import Tensors
import Testing
@testable import Detector

/// The neck's bilinear upsampling (`upsampling: bilinear`): the compiled plan must compute what
/// the graph computes, the choice must change the output, and the key must stay out of the
/// configurations of detectors that upsample nearest.
@Suite struct DetectorUpsamplingTests {
    static func detector(_ upsampling: FlyDetectorConfiguration.Upsampling, stride: Int, blocks: Int = 0) -> FlyDetector {
        FlyDetector(FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 96, neckChannels: 16,
                                             outputStride: stride, headBlocks: blocks, upsampling: upsampling), seed: 5)
    }

    @Test(arguments: [(4, 0), (8, 0), (4, 1)])
    func compiledPlanMatchesTheGraphWithBilinearUpsampling(stride: Int, blocks: Int) {
        let bilinear = Self.detector(.bilinear, stride: stride, blocks: blocks)
        var rng = RandomSource(seed: 6)
        // Coarse levels that weigh in the sum (random init leaves them faint), so upsampling
        // them one way or the other shows in the output.
        for entry in bilinear.stateEntries() where ["lateral32.1.weight", "lateral16.1.weight"].contains(entry.name) {
            let t = entry.get()
            entry.set(Tensor(shape: t.shape, scalars: (0..<t.count).map { _ in Float.random(in: 2...6, using: &rng) }))
        }
        let (input, reference, _, compiled) = DetectorPlanTests.settledOutputs(bilinear, rng: &rng)
        #expect(compiled.shape == [2, 96 / stride, 64 / stride, 5])
        let tolerance = 1e-3 * max(1, reference.maxAbs)
        #expect(compiled.maxAbsDifference(reference) < tolerance, "plan vs graph: \(compiled.maxAbsDifference(reference))")
        // The same weights upsampling nearest give a map outside that tolerance: a plan that
        // upsampled nearest would fail the comparison above.
        let nearest = Self.detector(.nearest, stride: stride, blocks: blocks)
        for (a, b) in zip(nearest.stateEntries(), bilinear.stateEntries()) { a.set(b.get()) }
        nearest.eval()
        let other = GradientRecording.withoutGradients { nearest(Variable(input)).value }
        #expect(other.maxAbsDifference(reference) > 2 * tolerance, "nearest vs bilinear: \(other.maxAbsDifference(reference))")
    }

    @Test func upsamplingIsWrittenOnlyWhenBilinear() throws {
        let nearest = FlyDetectorConfiguration.fast
        #expect(!String(decoding: try JSONEncoder().encode(nearest), as: UTF8.self).contains("upsampling"))
        var bilinear = nearest
        bilinear.upsampling = .bilinear
        let text = try JSONEncoder().encode(bilinear)
        #expect(String(decoding: text, as: UTF8.self).contains("\"upsampling\":\"bilinear\""))
        #expect(try JSONDecoder().decode(FlyDetectorConfiguration.self, from: text) == bilinear)
        let wrong = Data(#"{"variant":"small","widthMultiplier":1,"inputSize":512,"neckChannels":64,"upsampling":"cubic"}"#.utf8)
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(FlyDetectorConfiguration.self, from: wrong) }
    }
}
