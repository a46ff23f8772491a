import Testing
import ImageIO
@testable import ImageProcessing

@Suite struct DrawingTests {
    let red = RGB(255, 0, 0)

    func painted(_ image: RGBImage, _ colour: RGB) -> Set<[Int]> {
        var set = Set<[Int]>()
        for y in 0..<image.height { for x in 0..<image.width where image[x, y] == colour { set.insert([x, y]) } }
        return set
    }

    @Test func rectangleOutline() {
        var image = RGBImage(width: 6, height: 5)
        image.drawRectangle(x: 1, y: 1, width: 4, height: 3, color: red)
        // Perimeter of a 4×3 box: 2·4 + 2·1 = 10 pixels; the inside (2,2),(3,2) stays black.
        #expect(painted(image, red).count == 10)
        #expect(image[2, 2] == .black && image[3, 2] == .black)
        var thick = RGBImage(width: 6, height: 6)
        thick.drawRectangle(x: 0, y: 0, width: 6, height: 6, color: red, thickness: 2)
        #expect(painted(thick, red).count == 36 - 4)
    }

    @Test func clippingNeverTraps() {
        var image = RGBImage(width: 4, height: 4)
        image.fillRectangle(x: -10, y: -10, width: 12, height: 12, color: red)
        image.drawLine(from: Point2D(-100, 2), to: Point2D(100, 2), color: red, thickness: 3)
        image.drawLine(from: Point2D(-1e12, 0), to: Point2D(1e12, 5), color: red)
        image.fillCircle(center: Point2D(-50, -50), radius: 3, color: red)
        image.drawText("far away", x: 1000, y: -1000, color: red)
        #expect(image[0, 0] == red && image[1, 1] == red)
    }

    @Test func bresenhamDiagonal() {
        var image = RGBImage(width: 5, height: 5)
        image.drawLine(from: Point2D(0.5, 0.5), to: Point2D(4.5, 4.5), color: red)
        #expect(painted(image, red) == Set((0..<5).map { [$0, $0] }))
    }

    @Test func thickHorizontalLine() {
        var image = RGBImage(width: 10, height: 6)
        image.drawLine(from: Point2D(2, 3), to: Point2D(7, 3), color: red, thickness: 2)
        // Centres within 1 of the segment y = 3 for x in 2…7: rows 2 and 3 (centres 2.5, 3.5),
        // columns whose centre x lies in [2, 7] plus the round caps reach (1.5 within 1 of x=2? distance
        // √(0.25+0.25)=0.71 ≤ 1, so columns 1…7).
        #expect(painted(image, red) == Set((1...7).flatMap { x in [[x, 2], [x, 3]] }))
    }

    @Test func polylineClosed() {
        var image = RGBImage(width: 5, height: 5)
        image.drawPolyline([Point2D(0.5, 0.5), Point2D(4.5, 0.5), Point2D(4.5, 4.5), Point2D(0.5, 4.5)],
                           color: red, closed: true)
        #expect(painted(image, red).count == 16)   // the 5×5 border
    }

    @Test func filledCircleByHand() {
        var image = RGBImage(width: 7, height: 7)
        image.fillCircle(center: Point2D(3.5, 3.5), radius: 1.5, color: red)
        // Centres within 1.5 of (3.5, 3.5): offsets (0,0), (±1,0), (0,±1), (±1,±1) [√2 ≤ 1.5] → 3×3 block.
        #expect(painted(image, red) == Set((2...4).flatMap { x in (2...4).map { [x, $0] } }))
    }

    @Test func textMatchesTheFontBitmap() {
        #expect(RGBImage.textSize("AB").width == 11 && RGBImage.textSize("AB").height == 7)
        #expect(RGBImage.textSize("A\nB", scale: 2).height == 30)
        var image = RGBImage(width: 7, height: 9)
        image.drawText("A", x: 1, y: 1, color: .white)
        let rows = Font5x7.glyphRows(for: "A")
        for (row, bits) in rows.enumerated() {
            for column in 0..<5 {
                let on = bits & (0b10000 >> column) != 0
                #expect((image[1 + column, 1 + row] == .white) == on, "row \(row) column \(column)")
            }
        }
        var labelled = RGBImage(width: 20, height: 12)
        labelled.drawText("?", x: 2, y: 2, color: .white, background: red)
        #expect(labelled[1, 1] == red)          // padding of the background box
    }

    @Test func everyPrintableGlyphIsDistinctAndNonEmptyExceptSpace() {
        var seen = Set<[UInt8]>()
        for code in 33...126 {
            let rows = Array(Font5x7.glyphRows(for: Character(Unicode.Scalar(UInt8(code)))))
            #expect(rows.contains { $0 != 0 }, "glyph \(code) is blank")
            #expect(rows.allSatisfy { $0 < 32 }, "glyph \(code) is wider than 5 pixels")
            #expect(seen.insert(rows).inserted, "glyph \(code) duplicates another")
        }
        #expect(Font5x7.glyphRows(for: " ").allSatisfy { $0 == 0 })
        #expect(Array(Font5x7.glyphRows(for: "é")) == Array(Font5x7.glyphRows(for: "?")))
    }
}

@Suite struct NormalizationTests {
    @Test func valuesByHand() {
        let image = RGBImage(width: 1, height: 2, pixels: [0, 255, 51, 255, 0, 102])
        // Scaling is done as v·(1/255): equal to v/255 within float rounding.
        for (got, want) in zip(image.floatHWC(), [Float](arrayLiteral: 0, 1, 0.2, 1, 0, 0.4)) {
            #expect(abs(got - want) < 1e-6)
        }
        let n = Normalization(mean: (0.5, 0.5, 0.5), std: (0.5, 0.25, 2))
        let values = image.floatHWC(n)
        let expected: [Float] = [-1, 2, -0.15, 1, -2, -0.05]   // (v/255 − 0.5)/std
        for (got, want) in zip(values, expected) { #expect(abs(got - want) < 1e-6) }
    }
}
