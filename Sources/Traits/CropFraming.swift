import Datasets
import Foundation
import ImageIO
import ImageProcessing
import Tensors

/// How a training crop frames its fly. `flytally count` cuts each crop around the *detector's*
/// box, which on an unfamiliar photo is often 10–20 % shorter or longer than the fly's true box;
/// a classifier trained only on crops around true boxes learns that a fly filling its crop is
/// miniature-winged — it judges wing length by the framing (docs/RESULTS.md, "Framing jitter").
/// With `framingJitter` j the trainer frames each crop around a copy of the true box scaled by
/// a factor between 1/(1 + j) and 1 + j (each side on its own, log-uniform) and shifted by up
/// to j/2 of its size, so the framing carries no label and the wings must be looked at.
public enum CropFraming {
    /// The margin around the box of a crop as the crop exporter and evaluation cut them (and
    /// `count` did until it widened its own a little, `FlyCounter.margin`).
    public static let standardMargin = 0.15

    /// The margin training samples are cut with so that every jittered crop lies inside real
    /// pixels: half the largest crop side plus the largest shift, beyond half the box, and a
    /// little for the rounding of crop regions to whole pixels.
    public static func contextMargin(jitter: Double) -> Double {
        guard jitter > 0 else { return standardMargin }
        return (1 + jitter) * (0.5 + standardMargin) + jitter / 2 - 0.5 + 0.01
    }

    /// The sample cut around a jittered copy of its box, with its keypoints moved along; the
    /// sample itself when it has no box. Grey fills any part outside the sample's pixels.
    static func reframe(_ sample: TraitSample, jitter: Double, rng: inout RandomSource) -> (image: RGBImage, keypoints: [Point2D]) {
        let points = sample.keypoints?.all ?? []
        guard jitter > 0, let box = sample.box else { return (sample.image, points) }
        let spread = Float(Foundation.log(1 + jitter))
        let sw = Double(Foundation.exp(rng.uniform(-spread, spread))), sh = Double(Foundation.exp(rng.uniform(-spread, spread)))
        let dx = Double(rng.uniform(-0.5, 0.5)) * jitter * box.width, dy = Double(rng.uniform(-0.5, 0.5)) * jitter * box.height
        let c = box.center
        let framed = BoundingBox(x: c.x + dx - box.width * sw / 2, y: c.y + dy - box.height * sh / 2,
                                 width: box.width * sw, height: box.height * sh)
        return cut(sample, around: framed)
    }

    /// The sample cut around `box` (crop coordinates) with the standard margin.
    static func cut(_ sample: TraitSample, around box: BoundingBox) -> (image: RGBImage, keypoints: [Point2D]) {
        let (image, local) = FlyCropper.crop(sample.image, fly: FlyAnnotation(id: 0, box: box, keypoints: sample.keypoints),
                                             margin: standardMargin)
        return (image, local.keypoints?.all ?? [])
    }
}
