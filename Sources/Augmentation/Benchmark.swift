import Foundation
import ImageIO
import ImageProcessing
import Tensors

/// Timing of the augmentation on a synthetic fly crop (meaningful in release builds only).
public enum RandAugmentBenchmark {
    /// Mean microseconds to augment one `size`×`size` crop with `RandAugment(n:magnitude:)`
    /// (flips allowed, default pool), over `images` images after a short warm-up, one thread.
    public static func microsecondsPerImage(size: Int = 128, n: Int = 8, magnitude: Double = 60,
                                            images: Int = 2000, seed: UInt64 = 1) -> Double {
        let (crop, points) = syntheticFlyCrop(size: size)
        let augment = RandAugment(n: n, magnitude: magnitude)
        var rng = RandomSource(seed: seed)
        var checksum = 0
        for _ in 0..<min(50, images) {
            checksum &+= Int(augment.apply(to: crop, keypoints: points, rng: &rng).image.pixels[0])
        }
        let start = ContinuousClock.now
        for _ in 0..<images {
            checksum &+= Int(augment.apply(to: crop, keypoints: points, rng: &rng).image.pixels[0])
        }
        let elapsed = ContinuousClock.now - start
        blackHole(checksum)
        return seconds(elapsed) * 1e6 / Double(max(1, images))
    }

    /// Mean microseconds of one operation on a `size`×`size` synthetic crop.
    public static func microsecondsPerOperation(_ op: AugmentationOperation, size: Int = 128,
                                                magnitude: Double = 60, repetitions: Int = 500) -> Double {
        let (crop, points) = syntheticFlyCrop(size: size)
        var rng = RandomSource(seed: 7)
        var checksum = 0
        let start = ContinuousClock.now
        for _ in 0..<repetitions {
            checksum &+= Int(op.apply(magnitude: magnitude, to: crop, keypoints: points, rng: &rng).image.pixels[0])
        }
        let elapsed = ContinuousClock.now - start
        blackHole(checksum)
        return seconds(elapsed) * 1e6 / Double(max(1, repetitions))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    @inline(never)
    static func blackHole(_ value: Int) {
        if value == .min { print("") }
    }

    /// A crop-like picture: a pale, slightly graded background, a brown ellipse body with a
    /// darker abdomen, red eyes and two grey wings; keypoints head, abdomen tip and the two
    /// wing tips.
    static func syntheticFlyCrop(size: Int) -> (RGBImage, [Point2D]) {
        let s = Double(size)
        var image = RGBImage(width: size, height: size)
        for y in 0..<size {
            for x in 0..<size {
                let shade = UInt8(200 + 30 * (x + y) / max(1, 2 * size))
                image[x, y] = RGB(shade, shade, UInt8(Int(shade) - 20))
            }
        }
        let cx = 0.5 * s, cy = 0.5 * s
        let head = Point2D(cx, cy - 0.30 * s), tail = Point2D(cx, cy + 0.30 * s)
        let wingL = Point2D(cx - 0.22 * s, cy + 0.36 * s), wingR = Point2D(cx + 0.22 * s, cy + 0.36 * s)
        // Wings: thick grey lines from the thorax to the tips.
        let thorax = Point2D(cx, cy - 0.05 * s)
        let wingWidth = max(1, Int(0.08 * s))
        image.drawLine(from: thorax, to: wingL, color: RGB(165, 170, 175), thickness: wingWidth)
        image.drawLine(from: thorax, to: wingR, color: RGB(165, 170, 175), thickness: wingWidth)
        // Body: ellipse with semi-axes 0.13 s × 0.30 s; the rear half darker (abdomen stripes).
        for y in 0..<size {
            for x in 0..<size {
                let dx = (Double(x) + 0.5 - cx) / (0.13 * s), dy = (Double(y) + 0.5 - cy) / (0.30 * s)
                guard dx * dx + dy * dy <= 1 else { continue }
                let stripe = dy > 0.1 && Int((dy * 6).rounded(.down)) % 2 == 0
                image[x, y] = stripe ? RGB(70, 45, 25) : RGB(150, 105, 55)
            }
        }
        image.fillCircle(center: Point2D(cx - 0.09 * s, cy - 0.24 * s), radius: 0.06 * s, color: RGB(200, 30, 30))
        image.fillCircle(center: Point2D(cx + 0.09 * s, cy - 0.24 * s), radius: 0.06 * s, color: RGB(200, 30, 30))
        return (image, [head, tail, wingL, wingR])
    }
}
