import Datasets
import Foundation
import ImageIO
import ImageProcessing
import Tensors
import Testing
@testable import Traits

/// Ensembles and mirrored test-time augmentation average trait probabilities over their sources
/// with equal weights; keypoints are the first model's, averaged with its own on the mirror
/// images (mirrored back) when mirrored, never with other models'.
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

    @Test func mirroredAveragingIsTheMeanOverCropsAndMirrorImages() throws {
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
            let own = try #require(sources[0][i].keypoints), mirror = try #require(sources[2][i].keypoints)
            let expected = KeypointEncoding.average(own, mirror.mirrored(width: Double(crops[i].width)))
            #expect(averaged[i].keypoints == expected, "the first model's keypoints, averaged with its mirrored-back ones")
            #expect(single[i].keypoints == expected)
            #expect(expected != own, "the mirror pass moves the keypoints here (otherwise the check could not fail)")
        }
        // Without a mirror, keypoints are the first model's alone; without either, nothing is averaged.
        #expect(first.predict(crops, averagingWith: [second]).map(\.keypoints) == sources[0].map(\.keypoints))
        #expect(first.predict(crops, averagingWith: []).map(\.probabilities) == sources[0].map(\.probabilities))
    }

    /// Keypoints of a mirror image map back by x → width − x (twice is the identity), and the
    /// mean of two predictions pairs the wing tips in the nearer order.
    @Test func keypointsMirrorBackAndAverageWithoutWingOrder() {
        let k = FlyKeypoints(head: Point2D(3, 4), tail: Point2D(30, 20), wing1: Point2D(25, 5), wing2: Point2D(28, 26))
        let m = k.mirrored(width: 40)
        #expect(m.head == Point2D(37, 4) && m.wing2 == Point2D(12, 26))
        #expect(m.mirrored(width: 40) == k)
        let other = FlyKeypoints(head: Point2D(5, 6), tail: Point2D(32, 22), wing1: Point2D(30, 28), wing2: Point2D(27, 7))
        let mean = KeypointEncoding.average(k, other)
        #expect(mean.head == Point2D(4, 5) && mean.tail == Point2D(31, 21))
        // other's wing2 lies near k's wing1: they are paired, whatever the order.
        #expect(mean.wing1 == Point2D(26, 6) && mean.wing2 == Point2D(29, 27))
        let swapped = FlyKeypoints(head: other.head, tail: other.tail, wing1: other.wing2, wing2: other.wing1)
        #expect(KeypointEncoding.average(k, swapped) == mean)
    }
}
