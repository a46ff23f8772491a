import Datasets
import ImageIO
import ImageProcessing

/// One of the 8 symmetries of a square (optional transpose, then optional horizontal and
/// vertical flips): flies lie in every orientation, so each is an equally valid training view.
struct Dihedral: Sendable, Equatable {
    var transpose: Bool
    var flipHorizontal: Bool
    var flipVertical: Bool

    static let identity = Dihedral(transpose: false, flipHorizontal: false, flipVertical: false)

    /// The image with the symmetry applied.
    func apply(_ image: RGBImage) -> RGBImage {
        var out = RGBImage(width: transpose ? image.height : image.width, height: transpose ? image.width : image.height)
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<image.height {
                    for x in 0..<image.width {
                        let to = cell(x: x, y: y, width: image.width, height: image.height)
                        let s = (y * image.width + x) * 3, d = (to.y * out.width + to.x) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return out
    }

    /// Where pixel or cell (x, y) of a width×height grid lands under the symmetry (transpose,
    /// then flips): the one mapping for images, and for output maps (`DetectorViews`).
    func cell(x: Int, y: Int, width: Int, height: Int) -> (x: Int, y: Int) {
        var (cx, cy) = transpose ? (y, x) : (x, y)
        let (w, h) = transpose ? (height, width) : (width, height)
        if flipHorizontal { cx = w - 1 - cx }
        if flipVertical { cy = h - 1 - cy }
        return (cx, cy)
    }

    /// A point (continuous pixel coordinates) in a `width`×`height` image, moved like the pixels.
    func apply(_ p: Point2D, width: Int, height: Int) -> Point2D {
        let moved = apply(BoundingBox(x: p.x, y: p.y, width: 0, height: 0), width: width, height: height)
        return Point2D(moved.x, moved.y)
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
