import ImageIO

extension RGBImage {
    /// Rotates by any angle about the image centre, counter-clockwise on screen for positive
    /// degrees (as PIL and OpenCV). Pixels are sampled bilinearly; areas that come from
    /// outside the source are `fill`. Multiples of 90° are exact pixel permutations.
    /// - Parameter expand: enlarge the canvas to hold the whole rotated image (default);
    ///   otherwise keep the original size and cut the corners.
    public func rotated(degrees: Double, expand: Bool = true, fill: RGB = .black) -> RGBImage {
        let quarterTurns = degrees / 90
        if quarterTurns == quarterTurns.rounded() && expand {
            switch ((Int(quarterTurns) % 4) + 4) % 4 {
            case 0: return self
            case 1: return rotated90CounterClockwise()
            case 2: return rotated180()
            default: return rotated90Clockwise()
            }
        }
        return rotatedBilinear(RotationTransform(degrees: degrees, sourceWidth: width, sourceHeight: height, expand: expand),
                               fill: fill)
    }

    /// The general path, kept separate so tests can compare it with the exact turns.
    func rotatedBilinear(_ transform: RotationTransform, fill: RGB) -> RGBImage {
        let outW = transform.outputWidth, outH = transform.outputHeight
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        let fillValues = [Float(fill.r), Float(fill.g), Float(fill.b)]
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        // Source position in "pixel index" space, where pixel i's centre is i.
                        let s = transform.source(of: Point2D(Double(ox) + 0.5, Double(oy) + 0.5))
                        let sx = s.x - 0.5, sy = s.y - 0.5
                        let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                        let fx = Float(sx - Double(x0)), fy = Float(sy - Double(y0))
                        let d = (oy * outW + ox) * 3
                        for c in 0..<3 {
                            // Each of the four neighbours outside the image counts as `fill`,
                            // so edges blend smoothly into the background.
                            func sample(_ x: Int, _ y: Int) -> Float {
                                (x >= 0 && y >= 0 && x < width && y < height) ? Float(src[(y * width + x) * 3 + c]) : fillValues[c]
                            }
                            let top = sample(x0, y0) * (1 - fx) + sample(x0 + 1, y0) * fx
                            let bottom = sample(x0, y0 + 1) * (1 - fx) + sample(x0 + 1, y0 + 1) * fx
                            dst[d + c] = clampToByte(top * (1 - fy) + bottom * fy)
                        }
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }
}
