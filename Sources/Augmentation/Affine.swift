import Foundation
import ImageIO
import ImageProcessing

/// An affine map of continuous pixel coordinates: x' = a·x + b·y + tx, y' = c·x + d·y + ty.
/// All geometric operations are expressed as one, so a chain of them is composed into a
/// single map and the pixels are resampled once.
struct AffineTransform: Sendable, Equatable {
    var a: Double, b: Double, c: Double, d: Double, tx: Double, ty: Double

    static let identity = AffineTransform(a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0)

    /// Counter-clockwise on screen for positive degrees (y points down), about (centerX,
    /// centerY), the same convention as `RotationTransform`.
    static func rotation(degrees: Double, centerX: Double, centerY: Double) -> AffineTransform {
        let radians = degrees * .pi / 180
        let cosine = cos(radians), sine = sin(radians)
        // (dx, dy) → (dx·cos + dy·sin, −dx·sin + dy·cos) about the centre.
        return AffineTransform(a: cosine, b: sine, c: -sine, d: cosine,
                               tx: centerX - cosine * centerX - sine * centerY,
                               ty: centerY + sine * centerX - cosine * centerY)
    }

    var isIdentity: Bool { self == .identity }

    func apply(_ p: Point2D) -> Point2D {
        Point2D(a * p.x + b * p.y + tx, c * p.x + d * p.y + ty)
    }

    /// `next` applied after `self`.
    func followed(by next: AffineTransform) -> AffineTransform {
        AffineTransform(a: next.a * a + next.b * c, b: next.a * b + next.b * d,
                        c: next.c * a + next.d * c, d: next.c * b + next.d * d,
                        tx: next.a * tx + next.b * ty + next.tx,
                        ty: next.c * tx + next.d * ty + next.ty)
    }

    /// The inverse map (every map built here has determinant ±1 up to shear, never 0).
    func inverted() -> AffineTransform {
        let det = a * d - b * c
        let ia = d / det, ib = -b / det, ic = -c / det, id = a / det
        return AffineTransform(a: ia, b: ib, c: ic, d: id,
                               tx: -(ia * tx + ib * ty), ty: -(ic * tx + id * ty))
    }
}

/// Resamples `image` under `transform` (bilinear, same size) and moves the keypoints with it.
func warp(_ image: RGBImage, keypoints: [Point2D], transform: AffineTransform,
          fill: GeometricFill) -> (image: RGBImage, keypoints: [Point2D]) {
    if transform.isIdentity || image.isEmpty { return (image, keypoints) }
    let out = warpAffine(image, transform, fill: fill.color(for: image))
    return (out, keypoints.map(transform.apply))
}

/// The single bilinear resampler behind every geometric operation. Output pixel centre
/// (ox + ½, oy + ½) takes the source value at transform⁻¹ of it; source neighbours outside
/// the image count as `fill`, so edges blend into the fill colour. Positions are stepped in
/// 16.16 fixed point and interpolation weights are in steps of 1/256 pixel. A transform that maps pixel centres onto pixel
/// centres (flips, whole-pixel shifts, their compositions) copies values exactly.
func warpAffine(_ image: RGBImage, _ transform: AffineTransform, fill: RGB) -> RGBImage {
    let w = image.width, h = image.height
    let inv = transform.inverted()
    // Source position in index space (pixel i's centre at i) of output pixel (ox, oy):
    // (x0 + a·ox + b·oy, y0 + c·ox + d·oy).
    let x0 = inv.a * 0.5 + inv.b * 0.5 + inv.tx - 0.5
    let y0 = inv.c * 0.5 + inv.d * 0.5 + inv.ty - 0.5
    if inv.b == 0 && inv.c == 0 && abs(inv.a) == 1 && abs(inv.d) == 1
        && x0 == x0.rounded() && y0 == y0.rounded() && abs(x0) < 1e9 && abs(y0) < 1e9 {
        return permuted(image, x0: Int(x0), stepX: Int(inv.a), y0: Int(y0), stepY: Int(inv.d), fill: fill)
    }
    var out = [UInt8](repeating: 0, count: w * h * 3)
    let fills = (Int(fill.r), Int(fill.g), Int(fill.b))
    // Positions in 16.16 fixed point, stepped along each row (drift ≤ width · 2⁻¹⁷ px).
    let one = 65536.0, bound = 1e9
    let stepX = Int((inv.a * one).rounded()), stepY = Int((inv.c * one).rounded())
    let lastX = UInt(bitPattern: w &- 1), lastY = UInt(bitPattern: h &- 1)
    image.pixels.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            var d = 0
            for oy in 0..<h {
                let rowX = min(bound, max(-bound, x0 + inv.b * Double(oy)))
                let rowY = min(bound, max(-bound, y0 + inv.d * Double(oy)))
                var fixedX = Int((rowX * one).rounded(.down)), fixedY = Int((rowY * one).rounded(.down))
                for _ in 0..<w {
                    let ix = fixedX &>> 16, iy = fixedY &>> 16
                    let fx = (fixedX &>> 8) & 255, fy = (fixedY &>> 8) & 255
                    fixedX &+= stepX
                    fixedY &+= stepY
                    let w00 = (256 &- fx) &* (256 &- fy), w10 = fx &* (256 &- fy)
                    let w01 = (256 &- fx) &* fy, w11 = fx &* fy
                    let i00 = (iy &* w &+ ix) &* 3, i01 = i00 &+ w &* 3
                    if UInt(bitPattern: ix) < lastX && UInt(bitPattern: iy) < lastY {
                        // All four neighbours inside.
                        @inline(__always) func mix(_ c: Int) -> UInt8 {
                            UInt8(truncatingIfNeeded: (Int(src[i00 &+ c]) &* w00 &+ Int(src[i00 &+ 3 &+ c]) &* w10
                                &+ Int(src[i01 &+ c]) &* w01 &+ Int(src[i01 &+ 3 &+ c]) &* w11 &+ 32768) &>> 16)
                        }
                        dst[d] = mix(0); dst[d &+ 1] = mix(1); dst[d &+ 2] = mix(2)
                    } else if ix < -1 || iy < -1 || ix >= w || iy >= h {
                        // No neighbour inside.
                        dst[d] = fill.r; dst[d &+ 1] = fill.g; dst[d &+ 2] = fill.b
                    } else {
                        // At the border: neighbours outside the image are the fill colour.
                        let in0x = ix >= 0, in1x = ix &+ 1 < w, in0y = iy >= 0, in1y = iy &+ 1 < h
                        @inline(__always) func mix(_ c: Int, _ f: Int) -> UInt8 {
                            let v00 = in0x && in0y ? Int(src[i00 &+ c]) : f
                            let v10 = in1x && in0y ? Int(src[i00 &+ 3 &+ c]) : f
                            let v01 = in0x && in1y ? Int(src[i01 &+ c]) : f
                            let v11 = in1x && in1y ? Int(src[i01 &+ 3 &+ c]) : f
                            return UInt8(truncatingIfNeeded: (v00 &* w00 &+ v10 &* w10 &+ v01 &* w01 &+ v11 &* w11 &+ 32768) &>> 16)
                        }
                        dst[d] = mix(0, fills.0); dst[d &+ 1] = mix(1, fills.1); dst[d &+ 2] = mix(2, fills.2)
                    }
                    d &+= 3
                }
            }
        }
    }
    return RGBImage(width: w, height: h, pixels: out)
}

/// Output pixel (ox, oy) = source pixel (x0 + stepX·ox, y0 + stepY·oy) (steps ±1), or `fill`
/// where that lies outside: flips and whole-pixel shifts without interpolation.
func permuted(_ image: RGBImage, x0: Int, stepX: Int, y0: Int, stepY: Int, fill: RGB) -> RGBImage {
    let w = image.width, h = image.height
    var out = RGBImage(width: w, height: h, fill: fill)
    // Output columns whose source column is inside: x0 + stepX·ox ∈ 0..<w.
    let lo = stepX > 0 ? max(0, -x0) : max(0, x0 - (w - 1))
    let hi = stepX > 0 ? min(w, w - x0) : min(w, x0 + 1)
    guard lo < hi else { return out }
    image.pixels.withUnsafeBufferPointer { src in
        out.pixels.withUnsafeMutableBufferPointer { dst in
            for oy in 0..<h {
                let sy = y0 &+ stepY &* oy
                guard sy >= 0 && sy < h else { continue }
                var s = (sy &* w &+ x0 &+ stepX &* lo) &* 3
                var d = (oy &* w &+ lo) &* 3
                let sourceStep = stepX &* 3
                for _ in lo..<hi {
                    dst[d] = src[s]; dst[d &+ 1] = src[s &+ 1]; dst[d &+ 2] = src[s &+ 2]
                    d &+= 3
                    s &+= sourceStep
                }
            }
        }
    }
    return out
}
