import Datasets
import Foundation
import ImageIO
import ImageProcessing
import Tensors
import Testing
@testable import Traits

/// `framingJitter`: training crops framed around a scaled and shifted copy of the true box.
@Suite struct CropFramingTests {
    static let jitter = 0.25
    /// An 800×600 photo of one colour (room for the widest frame) with a 200×120 fly box, and a
    /// marker block (its own colour) at each keypoint.
    static let box = BoundingBox(x: 300, y: 240, width: 200, height: 120)
    static let keypoints = FlyKeypoints(head: Point2D(310.5, 300.5), tail: Point2D(490.5, 300.5),
                                        wing1: Point2D(450.5, 250.5), wing2: Point2D(460.5, 350.5))
    static let markers = [RGB(255, 0, 0), RGB(0, 0, 255), RGB(255, 255, 0), RGB(0, 255, 255)]
    static let photo: RGBImage = {
        var image = RGBImage(width: 800, height: 600, fill: RGB(10, 200, 30))
        for (p, colour) in zip(keypoints.all, markers) {
            image.fillRectangle(x: Int(p.x) - 1, y: Int(p.y) - 1, width: 3, height: 3, color: colour)
        }
        return image
    }()
    static let fly = FlyAnnotation(id: 1, box: box, keypoints: keypoints, traits: FlyTraits(eye: .red, wing: .long, sex: .male))

    /// The sample training would hold: cut with room for the jitter.
    static func sample(margin: Double) -> TraitSample {
        let (crop, local) = FlyCropper.crop(photo, fly: fly, margin: margin)
        return TraitSample(image: crop, traits: fly.traits, keypoints: local.keypoints, source: "test", box: local.box)
    }

    @Test func theTrueBoxGivesBackTheCropCountCuts() {
        let framed = CropFraming.cut(Self.sample(margin: CropFraming.contextMargin(jitter: Self.jitter)), around:
                                        Self.sample(margin: CropFraming.contextMargin(jitter: Self.jitter)).box!)
        let standard = FlyCropper.crop(Self.photo, fly: Self.fly, margin: CropFraming.standardMargin)
        #expect(framed.image == standard.image)
        #expect(framed.keypoints == standard.fly.keypoints!.all)
    }

    @Test func jitteredFramesStayInsideTheContextAndKeepTheKeypointsOnTheirPixels() {
        let sample = Self.sample(margin: CropFraming.contextMargin(jitter: Self.jitter))
        let standardSide = Double(FlyCropper.region(for: Self.box, margin: CropFraming.standardMargin).side)
        var rng = RandomSource(seed: 11)
        var ratios: [Double] = []
        for _ in 0..<300 {
            let (image, points) = CropFraming.reframe(sample, jitter: Self.jitter, rng: &rng)
            ratios.append(Double(image.width) / standardSide)
            // No grey: every frame lies inside the photo's pixels that the sample kept.
            #expect(!image.pixels.indices.lazy.filter { $0 % 3 == 0 }.contains { image.pixels[$0] == 128 && image.pixels[$0 + 1] == 128 })
            for (p, colour) in zip(points, Self.markers) where image.contains(x: Int(p.x), y: Int(p.y)) {
                #expect(image[Int(p.x), Int(p.y)] == colour, "keypoint \(p) in a \(image.width)-px frame")
            }
        }
        // Both shorter and longer frames, within 1/(1 + j)…(1 + j) of the true one (± a pixel).
        #expect(ratios.min()! < 0.9 && ratios.max()! > 1.1)
        #expect(ratios.allSatisfy { $0 >= 1 / (1 + Self.jitter) - 0.01 && $0 <= 1 + Self.jitter + 0.01 })
    }

    @Test func withoutJitterOrBoxTheSampleIsUntouched() {
        var rng = RandomSource(seed: 1)
        let sample = Self.sample(margin: CropFraming.standardMargin)
        let state = rng
        #expect(CropFraming.reframe(sample, jitter: 0, rng: &rng).image == sample.image)
        #expect(rng == state, "no jitter draws nothing, so older runs keep their random stream")
        var boxless = sample
        boxless.box = nil
        #expect(CropFraming.reframe(boxless, jitter: Self.jitter, rng: &rng).image == sample.image)
    }

    @Test func theRecipeKeyIsOptionalAndChecked() throws {
        let plain = String(decoding: try JSONEncoder().encode(TrainingRecipe()), as: UTF8.self)
        #expect(!plain.contains("framingJitter"), "recipes without the key keep their fingerprint")
        var recipe = TrainingRecipe()
        recipe.framingJitter = 0.7
        #expect(recipe.problem == "framingJitter must be 0…0.5")
        recipe.framingJitter = 0.25
        #expect(recipe.problem == nil)
        #expect(abs(recipe.trainingMargin - CropFraming.contextMargin(jitter: 0.25)) < 1e-12)
        #expect(TrainingRecipe().trainingMargin == CropFraming.standardMargin)
    }
}
