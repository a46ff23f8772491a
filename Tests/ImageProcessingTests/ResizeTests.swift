import Testing
import ImageIO
@testable import ImageProcessing

/// Expected values are worked out by hand in the comments.
@Suite struct ResizeTests {
    /// A one-row gray image from red-channel values.
    func row(_ values: [UInt8]) -> RGBImage {
        RGBImage(width: values.count, height: 1, pixels: values.flatMap { [$0, $0, $0] })
    }
    func reds(_ image: RGBImage) -> [UInt8] { stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] } }

    @Test func bilinearEnlarge() {
        // 2 → 4: scale 0.5; output centres map to source −0.25, 0.25, 0.75, 1.25 (clamped to 0…1):
        // 0, 0.25·100, 0.75·100, 100.
        #expect(reds(row([0, 100]).resized(width: 4, height: 1)) == [0, 25, 75, 100])
    }

    @Test func areaAverageShrinkByTwo() {
        // 4 → 2: each output averages two pixels: (0+100)/2, (200+50)/2.
        #expect(reds(row([0, 100, 200, 50]).resized(width: 2, height: 1)) == [50, 125])
    }

    @Test func areaAverageFractionalCoverage() {
        // 3 → 2: each output covers 1.5 source pixels.
        // out0 = (30·1 + 90·0.5)/1.5 = 50; out1 = (90·0.5 + 150·1)/1.5 = 130.
        #expect(reds(row([30, 90, 150]).resized(width: 2, height: 1)) == [50, 130])
    }

    @Test func twoDimensionalAreaAverage() {
        let image = RGBImage(width: 2, height: 2, pixels: [10, 20, 30, 50, 60, 70, 90, 100, 110, 130, 140, 150])
        // One output pixel = mean of the four: (10+50+90+130)/4 = 70, 80, 90.
        #expect(image.resized(width: 1, height: 1).pixels == [70, 80, 90])
    }

    @Test func mixedAxesEnlargeOneShrinkOther() {
        // 2x2 → 4x1: columns bilinear (0, 25, 75, 100 of the row means), rows area-averaged.
        let image = RGBImage(width: 2, height: 2, pixels: [0, 0, 0, 100, 100, 100, 0, 0, 0, 100, 100, 100])
        #expect(reds(image.resized(width: 4, height: 1)) == [0, 25, 75, 100])
    }

    @Test func sameSizeIsIdentityAndMaxSideKeepsAspect() {
        var image = RGBImage(width: 6, height: 4)
        for i in image.pixels.indices { image.pixels[i] = UInt8(i * 5 % 256) }
        #expect(image.resized(width: 6, height: 4) == image)
        let small = image.resized(maxSide: 3)
        #expect(small.width == 3 && small.height == 2)
        #expect(image.resized(maxSide: 10) == image)
    }

    @Test func constantImageStaysConstantAtAnySize() {
        let image = RGBImage(width: 7, height: 5, fill: RGB(12, 200, 99))
        for (w, h) in [(3, 2), (13, 11), (1, 1), (7, 9)] {
            let resized = image.resized(width: w, height: h)
            #expect(resized == RGBImage(width: w, height: h, fill: RGB(12, 200, 99)), "\(w)x\(h)")
        }
    }
}

@Suite struct ParallelResizeTests {
    /// Red: pseudo-random; green and blue: ramps along x and y.
    static func noisyImage(width: Int, height: Int, seed: UInt32) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        var state = seed
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 1_664_525 &+ 1_013_904_223
                image[x, y] = RGB(UInt8(truncatingIfNeeded: state >> 24), UInt8(truncatingIfNeeded: x), UInt8(truncatingIfNeeded: y))
            }
        }
        return image
    }

    @Test func splittingTheRowsChangesNothing() {
        // A large, non-uniform image (the parallel path starts at 1 MP), shrunk and enlarged.
        let image = Self.noisyImage(width: 1300, height: 800, seed: 12345)
        for (w, h) in [(512, 315), (97, 1000), (1300, 801)] {
            let serial = image.resized(width: w, height: h, parts: 1)
            #expect(image.resized(width: w, height: h, parts: 3) == serial, "\(w)x\(h)")
            #expect(image.resized(width: w, height: h) == serial, "\(w)x\(h) through the public entry")
        }
    }

    /// Shrinking both axes sums rows first, then columns; the two-pass order is the reference:
    /// the same area averages, so bytes agree but for a rare one-step rounding difference.
    @Test func rowFirstShrinkMatchesTheTwoPassResize() {
        let image = Self.noisyImage(width: 1301, height: 797, seed: 777)
        for (w, h) in [(512, 314), (100, 61), (1300, 796), (1, 1)] {
            let fast = image.resized(width: w, height: h, parts: 2), reference = image.twoPassResized(width: w, height: h, parts: 1)
            let differences = zip(fast.pixels, reference.pixels).map { abs(Int($0) - Int($1)) }
            #expect(differences.max() ?? 9 <= 1, "\(w)x\(h)")
            #expect(differences.filter { $0 != 0 }.count * 100 < differences.count, "\(w)x\(h): more than 1 % of bytes differ")
        }
    }
}

@Suite struct CropTests {
    let image: RGBImage = {
        var image = RGBImage(width: 4, height: 3)
        for y in 0..<3 { for x in 0..<4 { image[x, y] = RGB(UInt8(x * 10), UInt8(y * 10), 7) } }
        return image
    }()

    @Test func insideCopiesPixels() {
        let crop = image.cropped(x: 1, y: 1, width: 2, height: 2)
        #expect(crop[0, 0] == image[1, 1] && crop[1, 1] == image[2, 2])
    }

    @Test func outsidePartsArePadded() {
        let fill = RGB(1, 2, 3)
        let crop = image.cropped(x: -1, y: 2, width: 3, height: 2, fill: fill)
        #expect(crop[0, 0] == fill)            // x = -1
        #expect(crop[1, 0] == image[0, 2])
        #expect(crop[2, 0] == image[1, 2])
        #expect(crop[1, 1] == fill)            // y = 3
        #expect(image.cropped(x: 10, y: 10, width: 2, height: 2, fill: fill) == RGBImage(width: 2, height: 2, fill: fill))
    }
}
