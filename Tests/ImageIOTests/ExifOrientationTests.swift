import Testing
@testable import ImageIO

/// The fixtures orientation-N.jpg store the same 32×16 pixels (red top-left, green
/// top-right, blue bottom-left, white bottom-right) with EXIF orientation N, written in both
/// byte orders. The expectations below come from the EXIF 2.3 definition of the tag, stated
/// as "where the stored 0th row and 0th column appear", not from the code under test.
@Suite struct ExifOrientationTests {
    enum Side { case top, bottom, left, right }

    /// EXIF 2.3, tag 0x0112: (side showing the 0th row, side showing the 0th column).
    static let specification: [Int: (row: Side, column: Side)] = [
        1: (.top, .left), 2: (.top, .right), 3: (.bottom, .right), 4: (.bottom, .left),
        5: (.left, .top), 6: (.right, .top), 7: (.right, .bottom), 8: (.left, .bottom),
    ]

    static let red = RGB(220, 30, 30), green = RGB(30, 200, 30), blue = RGB(30, 30, 220), white = RGB(240, 240, 240)

    /// The displayed corner nearest to the given sides, inset by 2 pixels.
    static func corner(_ a: Side, _ b: Side, width: Int, height: Int) -> (Int, Int) {
        let sides = [a, b]
        let x = sides.contains(.left) ? 2 : width - 3
        let y = sides.contains(.top) ? 2 : height - 3
        return (x, y)
    }

    static func opposite(_ s: Side) -> Side {
        switch s {
        case .top: return .bottom
        case .bottom: return .top
        case .left: return .right
        case .right: return .left
        }
    }

    @Test(arguments: 1...8)
    func displaysAsTheSpecificationSays(_ n: Int) throws {
        let decoded = try ImageDecoder.decode(fileAt: Fixtures.path("orientation-\(n).jpg"))
        #expect(decoded.orientation.rawValue == n)
        #expect(decoded.storedWidth == 32 && decoded.storedHeight == 16)
        let rotated = n >= 5
        #expect(decoded.image.width == (rotated ? 16 : 32) && decoded.image.height == (rotated ? 32 : 16))

        let (row, column) = Self.specification[n]!
        // Stored corners: red = (row 0, col 0), green = (row 0, last col), blue = (last row, col 0).
        let cases: [(RGB, Side, Side)] = [
            (Self.red, row, column), (Self.green, row, Self.opposite(column)),
            (Self.blue, Self.opposite(row), column), (Self.white, Self.opposite(row), Self.opposite(column)),
        ]
        for (colour, a, b) in cases {
            let (x, y) = Self.corner(a, b, width: decoded.image.width, height: decoded.image.height)
            let got = decoded.image[x, y]
            let error = max(abs(Int(got.r) - Int(colour.r)), abs(Int(got.g) - Int(colour.g)), abs(Int(got.b) - Int(colour.b)))
            #expect(error <= 24, "orientation \(n): \(colour) expected at (\(x), \(y)), found \(got)")
        }
    }

    @Test func orientationCanBeIgnored() throws {
        let decoded = try ImageDecoder.decode(fileAt: Fixtures.path("orientation-6.jpg"),
                                              options: DecodeOptions(applyOrientation: false))
        #expect(decoded.orientation == .right)
        #expect(decoded.image.width == 32 && decoded.image.height == 16)
    }

    @Test func invalidValueIsTreatedAsNormalWithAWarning() throws {
        let decoded = try ImageDecoder.decode(fileAt: Fixtures.path("orientation-invalid.jpg"))
        #expect(decoded.orientation == .up)
        #expect(decoded.warnings.contains { $0.contains("orientation value 9") })
    }

    @Test func transformsCompose() {
        var image = RGBImage(width: 5, height: 3)
        for i in image.pixels.indices { image.pixels[i] = UInt8(i) }
        #expect(image.rotated90Clockwise().rotated90CounterClockwise() == image)
        #expect(image.rotated90Clockwise().rotated90Clockwise() == image.rotated180())
        #expect(image.flippedHorizontally().flippedVertically() == image.rotated180())
        #expect(image.transposed().transposed() == image)
        // Hand check: rotating clockwise puts the bottom-left pixel at the top-left.
        #expect(image.rotated90Clockwise()[0, 0] == image[0, 2])
        #expect(image.flippedHorizontally()[0, 1] == image[4, 1])
    }

    /// Every mutation of a camera-style file must either decode or throw: never crash or hang.
    @Test func mutatedFilesNeverCrash() throws {
        let original = try Fixtures.bytes("orientation-6.jpg")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        var decodedCount = 0
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<(1 + next() % 4) {
                // Aim most mutations at the header and EXIF segment, where parsing happens.
                let position = next() % min(bytes.count, 200)
                bytes[position] = UInt8(next() % 256)
            }
            if (try? ImageDecoder.decode(bytes)) != nil { decodedCount += 1 }
        }
        for length in 0..<original.count {
            _ = try? ImageDecoder.decode(Array(original.prefix(length)))
        }
        #expect(decodedCount > 0, "some light mutations should still decode")
    }
}
