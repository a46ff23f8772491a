import Testing
@testable import ImageIO

/// Expected pixels come from scripts/make-test-fixtures.py, which writes the PNGs without
/// libpng and computes the pixels a correct decoder must give.
@Suite struct PNGDecodingTests {
    @Test(arguments: [
        "rgb8.png", "rgb8-interlaced.png", "rgb16.png", "rgba8.png", "gray1.png", "gray2.png",
        "gray4.png", "gray8.png", "gray16.png", "gray-alpha8.png", "palette4.png", "palette8-trns.png",
    ])
    func decodesExactly(_ name: String) throws {
        let decoded = try ImageDecoder.decode(fileAt: Fixtures.path(name))
        #expect(decoded.format == .png)
        #expect(decoded.image.width == 13 && decoded.image.height == 7)
        #expect(decoded.image.pixels == (try Fixtures.expectedPixels(name)), "pixels of \(name)")
    }

    @Test func reportsEncodingDetails() throws {
        #expect(try ImageDecoder.decode(fileAt: Fixtures.path("rgb16.png")).encoding == "16-bit RGB")
        #expect(try ImageDecoder.decode(fileAt: Fixtures.path("rgb8-interlaced.png")).encoding == "8-bit RGB, interlaced")
        #expect(try ImageDecoder.decode(fileAt: Fixtures.path("palette4.png")).encoding == "4-bit palette")
    }

    @Test func transparentPixelsUseTheRequestedBackground() throws {
        let black = try ImageDecoder.decode(fileAt: Fixtures.path("rgba8.png"), options: DecodeOptions(background: .black))
        let raw = try Fixtures.bytes("rgba8.png")
        // Pixel (0,0) of the fixture has alpha 0: it must take the background colour.
        #expect(black.image[0, 0] == .black)
        let white = try ImageDecoder.decode(raw)
        #expect(white.image[0, 0] == .white)
    }

    @Test func pngRoundTripIsLossless() throws {
        var image = RGBImage(width: 17, height: 5)
        for i in image.pixels.indices { image.pixels[i] = UInt8((i * 31 + 7) % 256) }
        let decoded = try ImageDecoder.decode(try ImageEncoder.png(image))
        #expect(decoded.image == image)
    }
}
