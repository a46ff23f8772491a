import Datasets
import Foundation
import ImageIO
import ImageProcessing
import Tensors
import Testing
@testable import Traits

/// Ensembles and flipped copies of the crops (test-time augmentation) average trait probabilities
/// over their sources with equal weights; keypoints are the first model's, averaged with its own
/// on the flipped copies (flipped back), never with other models'.
@Suite struct EnsembleAveragingTests {
    /// Crops symmetric neither left to right nor top to bottom, so a model's outputs on a crop and
    /// on its flipped copies differ.
    static func crops() -> [RGBImage] {
        (0..<3).map { k in
            var image = RGBImage(width: 40, height: 30, fill: RGB(80, 90, 100))
            for y in 3..<(18 + 2 * k) { for x in 2..<(12 + 6 * k) { image[x, y] = RGB(200, UInt8(40 * k), 60) } }
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
        let averaged = first.predict(crops, averagingWith: [second], views: .mirrored)
        let single = first.predict(crops, averagingWith: [], views: .mirrored)
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

    /// Four copies: the mean of the probabilities on the crop, its mirror image, the crop flipped
    /// top to bottom and both (also with a second model), and the keypoints of all four mapped
    /// back and averaged in pairs.
    @Test func fourFlipsAverageOverEveryFlipOfTheCrop() throws {
        let first = TraitPredictor(Self.model(seed: 21)), second = TraitPredictor(Self.model(seed: 22))
        let crops = Self.crops()
        let flips = [(false, false), (true, false), (false, true), (true, true)]
        let copies = flips.map { h, v in crops.map { $0.flipped(horizontally: h, vertically: v) } }
        let firstOn = copies.map { first.predict($0) }, secondOn = copies.map { second.predict($0) }
        // Upside down really changes this model's output (otherwise the test could not fail).
        #expect(firstOn[0][0].probabilities != firstOn[2][0].probabilities)
        let averaged = first.predict(crops, averagingWith: [second], views: .flips)
        let alone = first.predict(crops, averagingWith: [], views: .flips)
        for i in crops.indices {
            for t in 0..<3 {
                let all = (firstOn + secondOn).map { $0[i].probabilities[t] }
                #expect(abs(averaged[i].probabilities[t] - all.reduce(0, +) / 8) < 1e-6)
                let own = firstOn.map { $0[i].probabilities[t] }
                #expect(abs(alone[i].probabilities[t] - own.reduce(0, +) / 4) < 1e-6)
            }
            let w = Double(crops[i].width), h = Double(crops[i].height)
            let back = try zip(flips, firstOn).map { flip, predictions in
                try #require(predictions[i].keypoints).flipped(horizontally: flip.0, vertically: flip.1, width: w, height: h)
            }
            let expected = KeypointEncoding.average(KeypointEncoding.average(back[0], back[1]), KeypointEncoding.average(back[2], back[3]))
            #expect(alone[i].keypoints == expected && averaged[i].keypoints == expected)
            #expect(expected != KeypointEncoding.average(back[0], back[1]), "the flipped copies move the keypoints here")
        }
        // Two copies through the same path are the mirrored case exactly.
        let twoCopies: [[Float]] = first.predict(crops, averagingWith: [], views: .mirrored).map(\.probabilities)
        var meanOfTwo: [[Float]] = []
        for (a, b) in zip(firstOn[0], firstOn[1]) {
            meanOfTwo.append(zip(a.probabilities, b.probabilities).map { (x: Float, y: Float) -> Float in x * 0.5 + y * 0.5 })
        }
        #expect(twoCopies == meanOfTwo)
    }

    /// The image flips move each pixel where the keypoint flips move a point: pixel (x, y), whose
    /// centre is (x + ½, y + ½), goes to (w − 1 − x, y), (x, h − 1 − y) or both.
    @Test func imageFlipsMovePixelsAsTheKeypointFlipsMovePoints() {
        var image = RGBImage(width: 5, height: 3, fill: RGB(0, 0, 0))
        image[1, 0] = RGB(255, 0, 0)
        let cases: [(Bool, Bool, Int, Int)] = [(false, false, 1, 0), (true, false, 3, 0), (false, true, 1, 2), (true, true, 3, 2)]
        for (h, v, x, y) in cases {
            let flipped = image.flipped(horizontally: h, vertically: v)
            #expect(flipped.width == 5 && flipped.height == 3)
            #expect(flipped[x, y] == RGB(255, 0, 0), "flip h \(h) v \(v)")
            let point = FlyKeypoints(head: Point2D(1.5, 0.5), tail: Point2D(1.5, 0.5), wing1: Point2D(1.5, 0.5), wing2: Point2D(1.5, 0.5))
                .flipped(horizontally: h, vertically: v, width: 5, height: 3).head
            #expect(point == Point2D(Double(x) + 0.5, Double(y) + 0.5), "flip h \(h) v \(v)")
        }
    }

    /// A flip of the keypoints is its own inverse, and matches the pixels it flips with.
    @Test func keypointsFlipBackBothWays() {
        let k = FlyKeypoints(head: Point2D(3, 4), tail: Point2D(30, 20), wing1: Point2D(25, 5), wing2: Point2D(28, 26))
        let both = k.flipped(horizontally: true, vertically: true, width: 40, height: 30)
        #expect(both.head == Point2D(37, 26) && both.wing1 == Point2D(15, 25))
        #expect(both.flipped(horizontally: true, vertically: true, width: 40, height: 30) == k)
        #expect(k.flipped(horizontally: false, vertically: true, width: 40, height: 30).tail == Point2D(30, 10))
        #expect(k.flipped(horizontally: true, vertically: false, width: 40, height: 30).head == Point2D(37, 4))
        // One list of four averages in pairs; one of one is itself.
        #expect(KeypointEncoding.average([k]) == k)
        #expect(KeypointEncoding.average([k, both, k, both]) == KeypointEncoding.average(KeypointEncoding.average(k, both), KeypointEncoding.average(k, both)))
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
