import Datasets
import ImageIO

/// One of the 8 symmetries of a square (optional transpose, then optional horizontal and
/// vertical flips): flies lie in every orientation, so each is an equally valid training view.
struct Dihedral: Sendable, Equatable {
    var transpose: Bool
    var flipHorizontal: Bool
    var flipVertical: Bool

    /// The image with the symmetry applied.
    func apply(_ image: RGBImage) -> RGBImage {
        let w = transpose ? image.height : image.width, h = transpose ? image.width : image.height
        var out = RGBImage(width: w, height: h)
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        // Output (x, y) ← source point before the flips, then before the transpose.
                        let fx = flipHorizontal ? w - 1 - x : x, fy = flipVertical ? h - 1 - y : y
                        let sx = transpose ? fy : fx, sy = transpose ? fx : fy
                        let s = (sy * image.width + sx) * 3, d = (y * w + x) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return out
    }

    /// A box in a `width`×`height` image, moved like the pixels.
    func apply(_ b: BoundingBox, width: Int, height: Int) -> BoundingBox {
        var box = transpose ? BoundingBox(x: b.y, y: b.x, width: b.height, height: b.width) : b
        let w = Double(transpose ? height : width), h = Double(transpose ? width : height)
        if flipHorizontal { box.x = w - box.x - box.width }
        if flipVertical { box.y = h - box.y - box.height }
        return box
    }
}
