import Foundation
import Testing
import ImageIO
import ImageProcessing
import Tensors
@testable import Augmentation

// MARK: - Helpers

/// A deterministic textured image: smooth gradients plus a mild pattern (no flat areas, no
/// hard edges, so JPEG at quality 100 and the filters at strength 0 barely touch it).
func texturedImage(width: Int, height: Int) -> RGBImage {
    var image = RGBImage(width: width, height: height)
    for y in 0..<height {
        for x in 0..<width {
            let r = 60 + 120 * x / max(1, width - 1)
            let g = 50 + 140 * y / max(1, height - 1)
            let b = 100 + Int(40 * sin(Double(x + y) / 7))
            image[x, y] = RGB(UInt8(r), UInt8(g), UInt8(b))
        }
    }
    return image
}

func flat(_ width: Int, _ height: Int, _ value: UInt8) -> RGBImage {
    RGBImage(width: width, height: height, fill: RGB(value, value, value))
}

func meanAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
    precondition(a.pixels.count == b.pixels.count)
    var total = 0
    for i in 0..<a.pixels.count { total += abs(Int(a.pixels[i]) - Int(b.pixels[i])) }
    return Double(total) / Double(max(1, a.pixels.count))
}

func maxAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
    zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

func distance(_ a: Point2D, _ b: Point2D) -> Double {
    ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot()
}

/// A black image with one white pixel at (x, y), and the keypoint at that pixel's centre.
func marker(width: Int, height: Int, x: Int, y: Int) -> (RGBImage, Point2D) {
    var image = RGBImage(width: width, height: height)
    image[x, y] = .white
    return (image, Point2D(Double(x) + 0.5, Double(y) + 0.5))
}

/// The brightest pixel's centre and the brightness-weighted centroid of the red channel.
func locate(_ image: RGBImage) -> (peak: Point2D, centroid: Point2D) {
    var best = -1, peak = Point2D(0, 0)
    var sum = 0.0, sx = 0.0, sy = 0.0
    for y in 0..<image.height {
        for x in 0..<image.width {
            let v = Int(image[x, y].r)
            if v > best { best = v; peak = Point2D(Double(x) + 0.5, Double(y) + 0.5) }
            sum += Double(v); sx += Double(v) * (Double(x) + 0.5); sy += Double(v) * (Double(y) + 0.5)
        }
    }
    return (peak, sum > 0 ? Point2D(sx / sum, sy / sum) : Point2D(.nan, .nan))
}

let geometricOperations: [AugmentationOperation] =
    [.rotate, .shearX, .shearY, .translateX, .translateY, .flipHorizontal, .flipVertical]
let photometricOperations = AugmentationOperation.allCases.filter { !$0.isGeometric }

// MARK: - RandAugment: plan, determinism, sizes

@Suite struct RandAugmentTests {
    @Test func sameSeedSameResultOtherSeedOtherResult() {
        let (crop, points) = RandAugmentBenchmark.syntheticFlyCrop(size: 64)
        let augment = RandAugment(n: 6, magnitude: 70)
        var a = RandomSource(seed: 42), b = RandomSource(seed: 42), c = RandomSource(seed: 43)
        for _ in 0..<20 {
            let ra = augment.apply(to: crop, keypoints: points, rng: &a)
            let rb = augment.apply(to: crop, keypoints: points, rng: &b)
            #expect(ra.image == rb.image)
            #expect(ra.keypoints == rb.keypoints)
        }
        #expect(a == b)
        // A different seed gives a different sequence of images.
        var a2 = RandomSource(seed: 42)
        var differences = 0
        for _ in 0..<5 {
            let ra = augment.apply(to: crop, keypoints: points, rng: &a2)
            let rc = augment.apply(to: crop, keypoints: points, rng: &c)
            if ra.image != rc.image { differences += 1 }
        }
        #expect(differences >= 4)
    }

    @Test func applyIsPlanThenApplyPlan() {
        let (crop, points) = RandAugmentBenchmark.syntheticFlyCrop(size: 48)
        let augment = RandAugment(n: 5, magnitude: 50)
        for seed in UInt64(0)..<10 {
            var a = RandomSource(seed: seed), b = RandomSource(seed: seed)
            let whole = augment.apply(to: crop, keypoints: points, rng: &a)
            let plan = augment.plan(rng: &b)
            let parts = augment.apply(plan, to: crop, keypoints: points, rng: &b)
            #expect(whole.image == parts.image && whole.keypoints == parts.keypoints)
        }
    }

    @Test func kIsWithinHalfNToN() {
        for n in 0...12 {
            let augment = RandAugment(n: n, magnitude: 50)
            var rng = RandomSource(seed: UInt64(n) + 100)
            var seenK = Set<Int>()
            var flips = (h: 0, v: 0)
            for _ in 0..<400 {
                let plan = augment.plan(rng: &rng)
                let k = plan.operations.count
                seenK.insert(k)
                #expect(k >= (n + 1) / 2 && k <= n, "n = \(n): k = \(k)")
                #expect(Set(plan.operations).count == k, "an operation drawn twice: \(plan.operations)")
                #expect(plan.operations.allSatisfy { augment.operations.contains($0) })
                #expect(!plan.operations.contains(.flipHorizontal) && !plan.operations.contains(.flipVertical))
                if plan.flipHorizontal { flips.h += 1 }
                if plan.flipVertical { flips.v += 1 }
            }
            // Every k in ⌈N/2⌉…N occurs; flips are ~50 % each.
            #expect(seenK == Set(((n + 1) / 2)...n), "n = \(n): saw \(seenK.sorted())")
            #expect(flips.h > 140 && flips.h < 260 && flips.v > 140 && flips.v < 260)
        }
        // The pool caps k; no flips when they are not allowed.
        let small = RandAugment(n: 10, magnitude: 50, allowFlips: false, operations: [.rotate, .equalize, .color])
        var rng = RandomSource(seed: 5)
        for _ in 0..<50 {
            let plan = small.plan(rng: &rng)
            #expect(plan.operations.count == 3 && !plan.flipHorizontal && !plan.flipVertical)
        }
    }

    @Test func everyOperationIsDrawnEventually() {
        let augment = RandAugment(n: 4, magnitude: 50)
        var rng = RandomSource(seed: 9)
        var counts: [AugmentationOperation: Int] = [:]
        for _ in 0..<2000 { for op in augment.plan(rng: &rng).operations { counts[op, default: 0] += 1 } }
        for op in AugmentationOperation.randAugmentPool {
            // ~ 2000 · 3 / 23 ≈ 260 each.
            #expect((150...380).contains(counts[op, default: 0]), "\(op): \(counts[op, default: 0])")
        }
    }

    @Test func outputSizeAlwaysEqualsInputSize() {
        let sizes = [(1, 1), (2, 3), (3, 2), (1, 7), (17, 9), (64, 64), (97, 130)]
        for (w, h) in sizes {
            let image = texturedImage(width: w, height: h)
            var rng = RandomSource(seed: UInt64(w * 1000 + h))
            for op in AugmentationOperation.allCases {
                for magnitude in [0.0, 50, 100] {
                    let out = op.apply(magnitude: magnitude, to: image, keypoints: [Point2D(0.5, 0.5)], rng: &rng)
                    #expect(out.image.width == w && out.image.height == h, "\(op) on \(w)x\(h)")
                    #expect(out.keypoints.count == 1)
                }
            }
        }
    }

    @Test func tinyImagesDoNotCrash() {
        let all = RandAugment(n: AugmentationOperation.allCases.count, magnitude: 100,
                              operations: AugmentationOperation.allCases)
        for (w, h) in [(1, 1), (2, 3), (0, 0), (0, 5)] {
            let image = texturedImage(width: w, height: h)
            var rng = RandomSource(seed: 3)
            for _ in 0..<20 {
                let out = all.apply(to: image, keypoints: [Point2D(0.5, 0.5), Point2D(.nan, .nan)], rng: &rng)
                #expect(out.image.width == w && out.image.height == h)
                #expect(out.keypoints[1].x.isNaN && out.keypoints[1].y.isNaN)
            }
        }
    }

    @Test func benchmarkRuns() {
        let us = RandAugmentBenchmark.microsecondsPerImage(size: 32, n: 4, magnitude: 60, images: 5)
        #expect(us > 0 && us.isFinite)
    }
}

// MARK: - Magnitude and photometric operations

@Suite struct OperationTests {
    @Test func magnitudeZeroLeavesTheImage() {
        let image = texturedImage(width: 40, height: 32)
        let points = [Point2D(3.25, 7.5), Point2D(20, 20)]
        for op in AugmentationOperation.allCases where op.hasStrength {
            for seed in UInt64(0)..<4 {
                var rng = RandomSource(seed: seed)
                let out = op.apply(magnitude: 0, to: image, keypoints: points, rng: &rng)
                #expect(out.keypoints == points, "\(op)")
                if op == .jpegCompression {
                    // Quality 100 with 4:2:0 chroma: close, not exact.
                    #expect(meanAbsoluteDifference(out.image, image) < 1.5, "\(op)")
                } else {
                    #expect(out.image == image, "\(op) changed the image at magnitude 0 (max diff \(maxAbsoluteDifference(out.image, image)))")
                }
            }
        }
    }

    @Test func strongMagnitudeChangesTheImage() {
        // The converse, so the test above cannot pass by doing nothing at all.
        let (crop, points) = RandAugmentBenchmark.syntheticFlyCrop(size: 64)
        for op in AugmentationOperation.allCases where op.hasStrength || op == .equalize || op == .autoContrast || op.isGeometric {
            var rng = RandomSource(seed: 11)
            let out = op.apply(magnitude: 100, to: crop, keypoints: points, rng: &rng)
            // The smallest change is the median's (the crop is mostly flat): ≈ 0.4.
            #expect(meanAbsoluteDifference(out.image, crop) > 0.2, "\(op) did nothing at magnitude 100")
        }
    }

    @Test func photometricOperationsKeepKeypoints() {
        let (crop, points) = RandAugmentBenchmark.syntheticFlyCrop(size: 50)
        let extra = points + [Point2D(-3, 80), Point2D(0, 0), Point2D(49.99, 0.01)]
        for op in photometricOperations {
            for magnitude in [30.0, 100] {
                var rng = RandomSource(seed: 1)
                let out = op.apply(magnitude: magnitude, to: crop, keypoints: extra, rng: &rng)
                #expect(out.keypoints == extra, "\(op)")
            }
        }
        // And through RandAugment with a photometric-only pool, no flips.
        let augment = RandAugment(n: 8, magnitude: 80, allowFlips: false, operations: photometricOperations)
        var rng = RandomSource(seed: 2)
        for _ in 0..<20 { #expect(augment.apply(to: crop, keypoints: extra, rng: &rng).keypoints == extra) }
    }

    @Test func solarizeThreshold() {
        // M = 50: threshold 256 − 128 = 128; values ≥ 128 become 255 − v.
        let row = RGBImage(width: 4, height: 1, pixels: [0, 127, 128, 127, 128, 200, 255, 10, 129, 90, 91, 92])
        var rng = RandomSource(seed: 0)
        let out = AugmentationOperation.solarize.apply(magnitude: 50, to: row, keypoints: [], rng: &rng).image
        #expect(out.pixels == [0, 127, 127, 127, 127, 55, 0, 10, 126, 90, 91, 92])
        // M = 100: threshold 0, everything inverted.
        let all = AugmentationOperation.solarize.apply(magnitude: 100, to: row, keypoints: [], rng: &rng).image
        #expect(all.pixels == row.pixels.map { 255 - $0 })
    }

    @Test func posterizeBits() {
        // M = 100 keeps 4 bits: mask 0xF0. M = 50 keeps 6 bits: mask 0xFC.
        let values: [UInt8] = [0, 15, 16, 183, 255, 0b1010_1011]
        let image = RGBImage(width: 2, height: 1, pixels: values)
        var rng = RandomSource(seed: 0)
        let four = AugmentationOperation.posterize.apply(magnitude: 100, to: image, keypoints: [], rng: &rng).image
        #expect(four.pixels == [0, 0, 16, 176, 240, 0b1010_0000])
        let six = AugmentationOperation.posterize.apply(magnitude: 50, to: image, keypoints: [], rng: &rng).image
        #expect(six.pixels == [0, 12, 16, 180, 252, 0b1010_1000])
    }

    @Test func brightnessOnAFlatImage() {
        // Factor 1 ± 0.9 · 0.5 = 1.45 or 0.55: grey 100 becomes 145 or 55, everywhere.
        var seen = Set<UInt8>()
        for seed in UInt64(0)..<16 {
            var rng = RandomSource(seed: seed)
            let out = AugmentationOperation.brightness.apply(magnitude: 50, to: flat(5, 4, 100), keypoints: [], rng: &rng).image
            #expect(Set(out.pixels).count == 1)
            seen.insert(out.pixels[0])
        }
        #expect(seen == [145, 55])
        // Direct factors: 2 saturates, 0.5 halves (rounding to nearest).
        var bright = flat(3, 3, 201)
        PointOps.brightness(&bright, factor: 2)
        #expect(bright == flat(3, 3, 255))
        var dim = flat(3, 3, 201)
        PointOps.brightness(&dim, factor: 0.5)
        #expect(dim == flat(3, 3, 101))
    }

    @Test func contrastPivotsOnTheMean() {
        // Half 100, half 200: mean grey 150. Factor 0.5 → 125 and 175; a flat image is unchanged.
        var image = flat(4, 2, 100)
        image.fillRectangle(x: 0, y: 1, width: 4, height: 1, color: RGB(200, 200, 200))
        PointOps.contrast(&image, factor: 0.5)
        #expect(image[0, 0] == RGB(125, 125, 125) && image[3, 1] == RGB(175, 175, 175))
        var rng = RandomSource(seed: 4)
        #expect(AugmentationOperation.contrast.apply(magnitude: 100, to: flat(3, 3, 77), keypoints: [], rng: &rng).image == flat(3, 3, 77))
    }

    @Test func equalizeTwoLevels() {
        // 32×32: 768 pixels of 50 and 256 of 200. step = (1024 − 256) / 256 = 3;
        // lut[50] = (3/2) / 3 = 0; lut[200] = (1 + 768) / 3 = 256 → 255.
        var image = flat(32, 32, 50)
        image.fillRectangle(x: 0, y: 24, width: 32, height: 8, color: RGB(200, 200, 200))
        var rng = RandomSource(seed: 0)
        let out = AugmentationOperation.equalize.apply(magnitude: 50, to: image, keypoints: [], rng: &rng).image
        #expect(out[5, 5] == .black && out[5, 30] == .white)
        #expect(Set(out.pixels) == [0, 255])
        // Three levels (512 × 10, 256 × 20, 256 × 30): step = 768 / 256 = 3;
        // lut[10] = 1/3 = 0, lut[20] = (1 + 512)/3 = 171, lut[30] = (1 + 768)/3 = 256 → 255.
        var three = flat(32, 32, 10)
        three.fillRectangle(x: 0, y: 16, width: 32, height: 8, color: RGB(20, 20, 20))
        three.fillRectangle(x: 0, y: 24, width: 32, height: 8, color: RGB(30, 30, 30))
        PointOps.equalize(&three)
        #expect(three[0, 0].r == 0 && three[0, 20].r == 171 && three[0, 30].r == 255)
        // A single level, or too few pixels, is left alone.
        var one = flat(4, 4, 90)
        PointOps.equalize(&one)
        #expect(one == flat(4, 4, 90))
    }

    @Test func autoContrastStretchesEachChannel() {
        // Red spans 50…150 → 0…255; green spans 100…101 → 0…255; blue is flat → unchanged.
        var image = RGBImage(width: 2, height: 1, pixels: [50, 100, 7, 150, 101, 7])
        PointOps.autoContrast(&image)
        #expect(image.pixels == [0, 0, 7, 255, 255, 7])
    }

    @Test func saturationZeroIsGrey() {
        var image = RGBImage(width: 1, height: 1, pixels: [200, 100, 50])
        PointOps.saturation(&image, factor: 0)
        // 0.299·200 + 0.587·100 + 0.114·50 = 124.2 → 124.
        #expect(image.pixels == [124, 124, 124])
    }

    @Test func jpegKeepsTheSize() {
        for (w, h) in [(37, 21), (1, 1), (2, 3), (128, 96)] {
            let image = texturedImage(width: w, height: h)
            var rng = RandomSource(seed: 0)
            let out = AugmentationOperation.jpegCompression.apply(magnitude: 80, to: image, keypoints: [], rng: &rng).image
            #expect(out.width == w && out.height == h)
        }
        // Strong compression really loses detail on a noisy image.
        var noisy = texturedImage(width: 64, height: 64)
        var rng = RandomSource(seed: 1)
        Noise.additive(&noisy, sigma: 30, rng: &rng)
        let low = Noise.jpeg(noisy, quality: 15)
        #expect(meanAbsoluteDifference(low, noisy) > 5)
    }

    @Test func blursKeepFlatImagesAndSmoothEdges() {
        // Every neighbourhood filter maps a flat image to itself (weights sum to 1).
        let grey = flat(9, 7, 123)
        #expect(Filters.gaussianBlur(grey, sigma: 2) == grey)
        #expect(Filters.motionBlur(grey, length: 7, direction: 0.7) == grey)
        #expect(Filters.median3x3(grey, weight: 1) == grey)
        #expect(Filters.emboss(grey, direction: 1, gain: 2) == grey)
        #expect(Filters.directionalSharpen(grey, direction: 1, gain: 2) == grey)
        #expect(Filters.sharpness(grey, factor: 1.9) == grey)
        // A lone bright pixel: the median removes it, the Gaussian spreads it symmetrically.
        var dot = flat(21, 19, 0)
        dot[10, 9] = .white
        #expect(Filters.median3x3(dot, weight: 1) == flat(21, 19, 0))
        let blurred = Filters.gaussianBlur(dot, sigma: 1.5)
        #expect(blurred[10, 9].r < 255 && blurred[10, 9].r > 0)
        #expect(blurred[9, 9] == blurred[11, 9] && blurred[10, 8] == blurred[10, 10])
        // Horizontal motion blur of length 5 spreads it over exactly 5 pixels of its row.
        let streak = Filters.motionBlur(dot, length: 5, direction: 0)
        let lit = (0..<21).filter { streak[$0, 9].r > 0 }
        #expect(lit == [8, 9, 10, 11, 12] && streak[10, 9].r == 51 && streak[10, 8].r == 0)
    }

    @Test func medianMatchesAScalarReference() {
        var image = texturedImage(width: 23, height: 11)
        var rng = RandomSource(seed: 8)
        Noise.additive(&image, sigma: 60, rng: &rng)
        let fast = Filters.median3x3(image, weight: 1)
        for y in 0..<11 {
            for x in 0..<23 {
                for c in 0..<3 {
                    var values: [UInt8] = []
                    for dy in -1...1 { for dx in -1...1 {
                        let sx = min(22, max(0, x + dx)), sy = min(10, max(0, y + dy))
                        values.append(image.pixels[(sy * 23 + sx) * 3 + c])
                    } }
                    #expect(fast.pixels[(y * 23 + x) * 3 + c] == values.sorted()[4])
                }
            }
        }
    }

    @Test func noiseHasTheRequestedSpread() {
        var image = flat(64, 64, 128)
        var rng = RandomSource(seed: 12)
        Noise.additive(&image, sigma: 20, rng: &rng)
        let values = image.pixels.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(mean - 128) < 1 && abs(sd - 20) < 1)
        // The quantile table is a standard normal.
        let q = Noise.normalQuantiles
        let qMean = q.reduce(0, +) / Float(q.count)
        let qVar = q.map { $0 * $0 }.reduce(0, +) / Float(q.count)
        #expect(abs(qMean) < 1e-4 && abs(qVar - 1) < 0.01)
    }

    @Test func dropoutPaintsRectangles() {
        let image = flat(64, 64, 0)
        var painted = 0
        for seed in UInt64(0)..<10 {
            var rng = RandomSource(seed: seed)
            let out = AugmentationOperation.coarseDropout.apply(magnitude: 100, to: image, keypoints: [], rng: &rng).image
            let changed = (0..<(64 * 64)).filter { out.pixels[$0 * 3] != 0 || out.pixels[$0 * 3 + 1] != 0 || out.pixels[$0 * 3 + 2] != 0 }.count
            // At most 3 rectangles of at most 16×16.
            #expect(changed <= 3 * 256)
            painted += changed
        }
        #expect(painted > 0)
    }
}

// MARK: - Geometry: keypoints follow pixels

@Suite struct GeometryTests {
    /// Places a single bright pixel, applies `body`, and checks that the brightest output
    /// pixel is within 1 px of the moved keypoint and the brightness centroid within 0.35 px.
    func checkMarker(width: Int, height: Int, x: Int, y: Int, label: String,
                     _ body: (RGBImage, [Point2D]) -> (image: RGBImage, keypoints: [Point2D])) {
        let (image, point) = marker(width: width, height: height, x: x, y: y)
        let out = body(image, [point])
        #expect(out.image.width == width && out.image.height == height)
        let moved = out.keypoints[0]
        let found = locate(out.image)
        #expect(distance(found.peak, moved) <= 1, "\(label): peak \(found.peak), keypoint \(moved)")
        #expect(distance(found.centroid, moved) <= 0.35, "\(label): centroid \(found.centroid), keypoint \(moved)")
    }

    @Test(arguments: geometricOperations)
    func markerFollowsKeypoint(op: AugmentationOperation) {
        let black = GeometricFill.constant(.black)
        for magnitude in [25.0, 60, 100] {
            for seed in UInt64(0)..<6 {
                // Within ±10 px of the centre, so even the largest shift (30 % of 58 = 17.4 px)
                // keeps the marker 4 px inside the image.
                for (x, y) in [(25, 22), (41, 30), (33, 29), (28, 36)] {
                    checkMarker(width: 66, height: 58, x: x, y: y, label: "\(op) M=\(magnitude) seed \(seed) at (\(x), \(y))") { image, points in
                        var rng = RandomSource(seed: seed)
                        return op.apply(magnitude: magnitude, to: image, keypoints: points, fill: black, rng: &rng)
                    }
                }
            }
        }
    }

    @Test func markerFollowsRandomCompositions() {
        let augment = RandAugment(n: 5, magnitude: 60, allowFlips: true,
                                  operations: [.rotate, .shearX, .shearY, .translateX, .translateY, .identity],
                                  fill: .constant(.black))
        var rng = RandomSource(seed: 2024)
        var composed = 0
        for trial in 0..<60 {
            var probe = rng
            let plan = augment.plan(rng: &probe)
            if plan.operations.filter(\.isGeometric).count + (plan.flipHorizontal ? 1 : 0) + (plan.flipVertical ? 1 : 0) >= 3 { composed += 1 }
            let x = 24 + trial % 17, y = 22 + (trial * 7) % 19
            checkMarker(width: 64, height: 64, x: x, y: y, label: "trial \(trial) \(plan)") { image, points in
                augment.apply(to: image, keypoints: points, rng: &rng)
            }
        }
        #expect(composed > 20)
    }

    @Test func flipsAreExactMirrors() {
        let image = texturedImage(width: 7, height: 5)
        var rng = RandomSource(seed: 0)
        let points = [Point2D(0, 0), Point2D(1.5, 2.5), Point2D(7, 5)]
        let h = AugmentationOperation.flipHorizontal.apply(magnitude: 50, to: image, keypoints: points, rng: &rng)
        let v = AugmentationOperation.flipVertical.apply(magnitude: 50, to: image, keypoints: points, rng: &rng)
        for y in 0..<5 {
            for x in 0..<7 {
                #expect(h.image[x, y] == image[6 - x, y])
                #expect(v.image[x, y] == image[x, 4 - y])
            }
        }
        #expect(h.keypoints == [Point2D(7, 0), Point2D(5.5, 2.5), Point2D(0, 5)])
        #expect(v.keypoints == [Point2D(0, 5), Point2D(1.5, 2.5), Point2D(7, 0)])
        // Both flips through RandAugment: a 180° turn, still exact.
        let both = RandAugment(n: 0, magnitude: 50)
        let out = both.apply(.init(flipHorizontal: true, flipVertical: true, operations: []), to: image, keypoints: points, rng: &rng)
        #expect(out.image == image.rotated(degrees: 180))
        #expect(out.keypoints == [Point2D(7, 5), Point2D(5.5, 2.5), Point2D(0, 0)])
    }

    @Test func rotationMatchesImageProcessing() {
        // Same convention (counter-clockwise, about the centre) as ImageProcessing's rotation
        // with the canvas kept: the pixels agree to rounding, the points exactly.
        let image = texturedImage(width: 40, height: 30)
        let transform = AffineTransform.rotation(degrees: 23, centerX: 20, centerY: 15)
        let ours = warpAffine(image, transform, fill: .black)
        let theirs = image.rotated(degrees: 23, expand: false, fill: .black)
        #expect(maxAbsoluteDifference(ours, theirs) <= 1)
        let reference = RotationTransform(degrees: 23, sourceWidth: 40, sourceHeight: 30, expand: false)
        for p in [Point2D(3, 4), Point2D(35.5, 2.25)] {
            #expect(distance(transform.apply(p), reference.apply(p)) < 1e-9)
        }
    }

    @Test func uncoveredAreaIsFilled() {
        // A shift of 30 % · 50 % · 40 = 6 px uncovers 6 columns on one side.
        let image = flat(40, 10, 200)
        let grey = RGB(128, 128, 128)
        var rng = RandomSource(seed: 1)
        let out = AugmentationOperation.translateX.apply(magnitude: 50, to: image, keypoints: [Point2D(20, 5)],
                                                         fill: .constant(grey), rng: &rng)
        let shift = out.keypoints[0].x - 20
        #expect(abs(abs(shift) - 6) < 1e-9)
        let uncovered = shift > 0 ? Array(0..<6) : Array(34..<40)
        for x in uncovered { #expect(out.image[x, 5] == grey) }
        #expect(out.image[20, 5] == RGB(200, 200, 200))
        // The default fill is the border's median colour: a crop whose border is background
        // stays background where a rotation uncovers the corners.
        var crop = flat(32, 32, 210)
        crop.fillRectangle(x: 10, y: 10, width: 12, height: 12, color: RGB(60, 40, 20))
        #expect(GeometricFill.borderMedian.color(for: crop) == RGB(210, 210, 210))
        var rng2 = RandomSource(seed: 0)
        let turned = AugmentationOperation.rotate.apply(magnitude: 100, to: crop, keypoints: [], rng: &rng2).image
        #expect(turned[0, 0] == RGB(210, 210, 210) && turned[31, 31] == RGB(210, 210, 210))
    }

    @Test func composedTransformEqualsSequentialKeypoints() {
        // followed(by:) composes in application order, and inverted() undoes.
        var rng = RandomSource(seed: 77)
        let a = AugmentationOperation.rotate.affine(m: 0.8, width: 50, height: 40, rng: &rng)
        let b = AugmentationOperation.shearX.affine(m: 0.8, width: 50, height: 40, rng: &rng)
        let c = AugmentationOperation.translateY.affine(m: 0.8, width: 50, height: 40, rng: &rng)
        let all = a.followed(by: b).followed(by: c)
        let p = Point2D(12.3, 31.7)
        #expect(distance(all.apply(p), c.apply(b.apply(a.apply(p)))) < 1e-9)
        #expect(distance(all.inverted().apply(all.apply(p)), p) < 1e-9)
    }
}

// MARK: - Contact sheet (written only when FLYTALLY_RANDAUGMENT_SHEET names a .png path)

@Suite struct ContactSheet {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FLYTALLY_RANDAUGMENT_SHEET"] != nil))
    func writeContactSheet() throws {
        let path = ProcessInfo.processInfo.environment["FLYTALLY_RANDAUGMENT_SHEET"]!
        let size = 128, gap = 6, columns = 5, rows = 3, label = 22
        let short: [AugmentationOperation: String] = [
            .identity: "id", .autoContrast: "acon", .equalize: "equ", .rotate: "rot", .solarize: "sol",
            .color: "col", .posterize: "post", .contrast: "con", .brightness: "bri", .sharpness: "shp",
            .shearX: "shx", .shearY: "shy", .translateX: "trx", .translateY: "try",
            .flipHorizontal: "fh", .flipVertical: "fv", .emboss: "emb", .edgeEnhance: "edge",
            .gaussianBlur: "gblur", .motionBlur: "mblur", .medianBlur: "med", .gaussianNoise: "gnoise",
            .speckleNoise: "speck", .coarseDropout: "drop", .jpegCompression: "jpeg"]
        let (crop, points) = RandAugmentBenchmark.syntheticFlyCrop(size: size)
        var sheet = RGBImage(width: columns * (size + gap) + gap, height: rows * (size + gap + label) + gap, fill: RGB(40, 40, 40))
        // Head green, abdomen tip blue, wing tips magenta and yellow.
        let colours = [RGB(0, 255, 0), RGB(0, 160, 255), RGB(255, 0, 255), RGB(255, 255, 0)]
        func paste(_ image: RGBImage, _ keypoints: [Point2D], at index: Int, lines: [String]) {
            var tile = image
            for (p, colour) in zip(keypoints, colours) { tile.fillCircle(center: p, radius: 2.5, color: colour) }
            let ox = gap + (index % columns) * (size + gap), oy = gap + (index / columns) * (size + gap + label)
            for y in 0..<size { for x in 0..<size { sheet[ox + x, oy + y] = tile[x, y] } }
            for (i, line) in lines.prefix(2).enumerated() {
                sheet.drawText(String(line.prefix(21)), x: ox, y: oy + size + 3 + 10 * i, color: .white)
            }
        }
        paste(crop, points, at: 0, lines: ["original", "M=60 N=6"])
        let augment = RandAugment(n: 6, magnitude: 60)
        var rng = RandomSource(seed: 60)
        for i in 1...12 {
            let plan = augment.plan(rng: &rng)
            let out = augment.apply(plan, to: crop, keypoints: points, rng: &rng)
            let names = (plan.flipHorizontal ? ["fh"] : []) + (plan.flipVertical ? ["fv"] : [])
                + plan.operations.map { short[$0, default: $0.rawValue] }
            // Two lines of at most 21 characters.
            var lines = [""]
            for name in names {
                let piece = lines[lines.count - 1].isEmpty ? name : "," + name
                if lines[lines.count - 1].count + piece.count > 21 { lines.append(name) } else { lines[lines.count - 1] += piece }
            }
            paste(out.image, out.keypoints, at: i, lines: lines)
        }
        try ImageEncoder.write(sheet, to: path)
    }
}
