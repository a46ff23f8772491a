import Datasets
import Foundation
import ImageIO
import Tensors
import Testing
@testable import Traits

/// Ensembles and mirrored test-time augmentation average trait probabilities over their sources
/// with equal weights; keypoints stay the first model's on the crops as given.
@Suite struct EnsembleAveragingTests {
    /// Crops that are not mirror-symmetric, so a model's outputs on a crop and its mirror differ.
    static func crops() -> [RGBImage] {
        (0..<3).map { k in
            var image = RGBImage(width: 40, height: 30, fill: RGB(80, 90, 100))
            for y in 5..<25 { for x in 2..<(12 + 6 * k) { image[x, y] = RGB(200, UInt8(40 * k), 60) } }
            return image
        }
    }

    /// A small untrained model whose trait head has random weights (a fresh head starts at
    /// zero, which would give 0.5 for every crop and could not tell a crop from its mirror).
    static func model(seed: UInt64) -> TraitClassifier {
        let model = TraitClassifier(TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.5, keypoints: true, inputSize: 64), seed: seed)
        var rng = RandomSource(seed: seed &+ 100)
        for (name, parameter) in model.namedParameters() where name.hasPrefix("traits") {
            parameter.value = Tensor.normal(parameter.value.shape, using: &rng)
        }
        return model
    }

    @Test func mirroredAveragingIsTheMeanOverCropsAndMirrorImages() {
        let first = TraitPredictor(Self.model(seed: 11)), second = TraitPredictor(Self.model(seed: 12))
        let crops = Self.crops(), mirrored = crops.map { $0.flippedHorizontally() }
        let sources = [first.predict(crops), second.predict(crops), first.predict(mirrored), second.predict(mirrored)]
        // The crops really are asymmetric for this model (otherwise the test could not fail).
        #expect(sources[0][0].probabilities != sources[2][0].probabilities)
        let averaged = first.predict(crops, averagingWith: [second], mirrored: true)
        let single = first.predict(crops, averagingWith: [], mirrored: true)
        for i in crops.indices {
            for t in 0..<3 {
                let mean = sources.map { $0[i].probabilities[t] }.reduce(0, +) / 4
                #expect(abs(averaged[i].probabilities[t] - mean) < 1e-6)
                let mirrorOnly = (sources[0][i].probabilities[t] + sources[2][i].probabilities[t]) / 2
                #expect(abs(single[i].probabilities[t] - mirrorOnly) < 1e-6)
            }
            #expect(averaged[i].keypoints == sources[0][i].keypoints, "keypoints are the first model's on the crop as given")
        }
        // Without a mirror or other models, nothing is averaged.
        #expect(first.predict(crops, averagingWith: []).map(\.probabilities) == sources[0].map(\.probabilities))
    }
}
