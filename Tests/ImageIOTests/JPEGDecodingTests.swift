import Testing
@testable import ImageIO

@Suite struct JPEGDecodingTests {
    /// Quadrant colours of the fixture, away from the quadrant borders where JPEG blurs.
    private func checkQuadrants(_ image: RGBImage, tolerance: Int = 24) {
        let expected: [(x: Int, y: Int, colour: RGB)] = [
            (3, 3, RGB(220, 30, 30)), (28, 3, RGB(30, 200, 30)),
            (3, 12, RGB(30, 30, 220)), (28, 12, RGB(240, 240, 240)),
        ]
        for (x, y, colour) in expected {
            let got = image[x, y]
            let error = max(abs(Int(got.r) - Int(colour.r)), abs(Int(got.g) - Int(colour.g)), abs(Int(got.b) - Int(colour.b)))
            #expect(error <= tolerance, "pixel (\(x), \(y)) is \(got), expected about \(colour)")
        }
    }

    @Test func decodesBaseline() throws {
        let decoded = try ImageDecoder.decode(fileAt: Fixtures.path("quadrants.jpg"))
        #expect(decoded.format == .jpeg && decoded.encoding == "baseline")
        #expect(decoded.image.width == 32 && decoded.image.height == 16)
        #expect(decoded.orientation == .up && decoded.warnings.isEmpty)
        checkQuadrants(decoded.image)
        // Bit-exact against libjpeg-turbo's djpeg (same DCT), written by the fixture script.
        #expect(decoded.image.pixels == (try Fixtures.bytes("quadrants.djpeg.rgb")))
    }

    @Test func decodesProgressive() throws {
        let decoded = try ImageDecoder.decode(fileAt: Fixtures.path("progressive.jpg"))
        #expect(decoded.encoding == "progressive")
        checkQuadrants(decoded.image)
        #expect(decoded.image.pixels == (try Fixtures.bytes("progressive.djpeg.rgb")))
    }

    @Test func decodesGrayscaleToEqualChannels() throws {
        let decoded = try ImageDecoder.decode(fileAt: Fixtures.path("gray.jpg"))
        for y in 0..<decoded.image.height {
            for x in 0..<decoded.image.width {
                let p = decoded.image[x, y]
                #expect(p.r == p.g && p.g == p.b)
            }
        }
    }

    @Test func jpegRoundTripAndQualitySetting() throws {
        var image = RGBImage(width: 40, height: 24)
        for y in 0..<24 { for x in 0..<40 { image[x, y] = RGB(UInt8(x * 6), UInt8(y * 10), 128) } }
        let high = try ImageEncoder.jpeg(image, quality: 95)
        let low = try ImageEncoder.jpeg(image, quality: 20)
        #expect(low.count < high.count, "quality 20 should give a smaller file than 95")
        let decoded = try ImageDecoder.decode(high).image
        #expect(maxAbsDifference(decoded.pixels, image.pixels) <= 12)
        let progressive = try ImageDecoder.decode(try ImageEncoder.jpeg(image, quality: 90, progressive: true))
        #expect(progressive.encoding == "progressive")
    }
}
