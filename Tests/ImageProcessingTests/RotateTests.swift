import Testing
import ImageIO
@testable import ImageProcessing

@Suite struct RotateTests {
    func numbered(_ w: Int, _ h: Int) -> RGBImage {
        var image = RGBImage(width: w, height: h)
        for i in image.pixels.indices { image.pixels[i] = UInt8((i * 7 + 3) % 256) }
        return image
    }

    @Test func ninetyCounterClockwiseByHand() {
        // A 3×1 row A B C turned counter-clockwise becomes a 1×3 column C, B, A (top to bottom).
        let image = RGBImage(width: 3, height: 1, pixels: [1, 1, 1, 2, 2, 2, 3, 3, 3])
        let turned = image.rotated(degrees: 90)
        #expect(turned.width == 1 && turned.height == 3)
        #expect(turned.pixels == [3, 3, 3, 2, 2, 2, 1, 1, 1])
    }

    @Test(arguments: [90.0, 180.0, 270.0, -90.0])
    func generalPathMatchesExactTurns(_ degrees: Double) {
        let image = numbered(5, 3)
        let transform = RotationTransform(degrees: degrees, sourceWidth: 5, sourceHeight: 3, expand: true)
        #expect(image.rotatedBilinear(transform, fill: .black) == image.rotated(degrees: degrees))
    }

    @Test func fortyFiveDegreesExpandsCanvasAndFillsCorners() {
        let image = RGBImage(width: 10, height: 10, fill: RGB(200, 100, 50))
        let turned = image.rotated(degrees: 45, fill: RGB(0, 0, 255))
        // Diagonal of a 10×10 square: 14.14 → 15 pixels.
        #expect(turned.width == 15 && turned.height == 15)
        #expect(turned[7, 7] == RGB(200, 100, 50))   // centre stays inside the square
        #expect(turned[0, 0] == RGB(0, 0, 255))      // corner comes from outside
    }

    @Test func withoutExpandKeepsSize() {
        let turned = numbered(8, 6).rotated(degrees: 30, expand: false)
        #expect(turned.width == 8 && turned.height == 6)
    }

    @Test func transformMovesPointsLikePixels() {
        let t = RotationTransform(degrees: 90, sourceWidth: 3, sourceHeight: 1, expand: true)
        // Centre of pixel A (0.5, 0.5) lands at the centre of the bottom pixel (0.5, 2.5).
        let p = t.apply(Point2D(0.5, 0.5))
        #expect(abs(p.x - 0.5) < 1e-12 && abs(p.y - 2.5) < 1e-12)
        let general = RotationTransform(degrees: 33, sourceWidth: 40, sourceHeight: 20, expand: true)
        let q = general.source(of: general.apply(Point2D(3.25, 17.5)))
        #expect(abs(q.x - 3.25) < 1e-9 && abs(q.y - 17.5) < 1e-9)
    }
}
