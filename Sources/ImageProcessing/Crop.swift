import ImageIO

extension RGBImage {
    /// The `width`×`height` region whose top-left pixel is (x, y). The region may extend past
    /// any edge (or lie wholly outside); pixels outside the image are `fill`.
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int, fill: RGB = .black) -> RGBImage {
        precondition(cropWidth >= 0 && cropHeight >= 0, "crop size \(cropWidth)x\(cropHeight) must not be negative")
        var out = RGBImage(width: cropWidth, height: cropHeight, fill: fill)
        // The part of the crop that overlaps the image, in source coordinates.
        let x0 = max(x, 0), y0 = max(y, 0)
        let x1 = min(x + cropWidth, width), y1 = min(y + cropHeight, height)
        guard x0 < x1 && y0 < y1 else { return out }
        let rowBytes = (x1 - x0) * 3
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for sy in y0..<y1 {
                    let s = (sy * width + x0) * 3
                    let d = ((sy - y) * cropWidth + (x0 - x)) * 3
                    for i in 0..<rowBytes { dst[d + i] = src[s + i] }
                }
            }
        }
        return out
    }
}
