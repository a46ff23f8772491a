/// The EXIF orientation tag (0x0112): how a camera's stored pixels must be turned to
/// show the scene upright. Raw values follow the EXIF 2.3 specification, table 4.
public enum ExifOrientation: Int, Sendable, CaseIterable, CustomStringConvertible {
    case up = 1
    case upMirrored = 2
    case down = 3
    case downMirrored = 4
    case leftMirrored = 5
    /// Stored image must be rotated 90° clockwise (a phone held upright).
    case right = 6
    case rightMirrored = 7
    /// Stored image must be rotated 90° counter-clockwise.
    case left = 8

    /// True when displaying the image swaps its width and height.
    public var swapsDimensions: Bool { rawValue >= 5 }

    public var description: String {
        switch self {
        case .up: return "1 (normal)"
        case .upMirrored: return "2 (mirrored horizontally)"
        case .down: return "3 (rotated 180°)"
        case .downMirrored: return "4 (mirrored vertically)"
        case .leftMirrored: return "5 (transposed)"
        case .right: return "6 (rotated 90° clockwise)"
        case .rightMirrored: return "7 (transversed)"
        case .left: return "8 (rotated 90° counter-clockwise)"
        }
    }
}

extension RGBImage {
    /// The image as it should be displayed, given the orientation its file declared.
    public func applying(_ orientation: ExifOrientation) -> RGBImage {
        let w = width, h = height
        // displayed(x', y') = stored(ax + bx·x' + cx·y', ay + by·x' + cy·y')
        switch orientation {
        case .up: return self
        case .upMirrored: return remapped(width: w, height: h, ax: w - 1, bx: -1, cx: 0, ay: 0, by: 0, cy: 1)
        case .down: return remapped(width: w, height: h, ax: w - 1, bx: -1, cx: 0, ay: h - 1, by: 0, cy: -1)
        case .downMirrored: return remapped(width: w, height: h, ax: 0, bx: 1, cx: 0, ay: h - 1, by: 0, cy: -1)
        case .leftMirrored: return remapped(width: h, height: w, ax: 0, bx: 0, cx: 1, ay: 0, by: 1, cy: 0)
        case .right: return remapped(width: h, height: w, ax: 0, bx: 0, cx: 1, ay: h - 1, by: -1, cy: 0)
        case .rightMirrored: return remapped(width: h, height: w, ax: w - 1, bx: 0, cx: -1, ay: h - 1, by: -1, cy: 0)
        case .left: return remapped(width: h, height: w, ax: w - 1, bx: 0, cx: -1, ay: 0, by: 1, cy: 0)
        }
    }

    /// Mirror image left to right.
    public func flippedHorizontally() -> RGBImage { applying(.upMirrored) }
    /// Mirror image top to bottom.
    public func flippedVertically() -> RGBImage { applying(.downMirrored) }
    public func rotated180() -> RGBImage { applying(.down) }
    /// Flipped left–right and/or top to bottom (both: turned 180°; neither: unchanged).
    public func flipped(horizontally: Bool, vertically: Bool) -> RGBImage {
        switch (horizontally, vertically) {
        case (false, false): self
        case (true, false): flippedHorizontally()
        case (false, true): flippedVertically()
        case (true, true): rotated180()
        }
    }
    public func rotated90Clockwise() -> RGBImage { applying(.right) }
    public func rotated90CounterClockwise() -> RGBImage { applying(.left) }
    /// Swap rows and columns (mirror about the main diagonal).
    public func transposed() -> RGBImage { applying(.leftMirrored) }

    /// Exact pixel permutation: each output pixel is one source pixel chosen by an
    /// affine map of integer coordinates, so the inner loop is additions only.
    private func remapped(width outW: Int, height outH: Int,
                          ax: Int, bx: Int, cx: Int, ay: Int, by: Int, cy: Int) -> RGBImage {
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        let stepX = (bx + by * width) * 3      // source offset change per output column
        let stepY = (cx + cy * width) * 3      // source offset change per output row
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var rowStart = (ay * width + ax) * 3
                var d = 0
                for _ in 0..<outH {
                    var s = rowStart
                    for _ in 0..<outW {
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                        d += 3
                        s += stepX
                    }
                    rowStart += stepY
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }
}
