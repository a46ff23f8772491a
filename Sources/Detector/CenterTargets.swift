import Datasets
import Foundation
import Tensors

/// Training targets of the centre-based detector for one image, at the output resolution.
struct CenterTargets {
    var heatmap: Tensor       // [H, W, 1] Gaussian peaks (1 at each centre cell)
    var box: Tensor           // [H, W, 4] (w, h, dx, dy) at centre cells
    var boxWeights: Tensor    // [H, W, 4] 1 at centre cells
    var objects: Int

    /// - Parameter boxes: in input pixels (after letterbox/augmentation).
    static func make(boxes: [BoundingBox], outputSize: Int, stride: Int) -> CenterTargets {
        var heat = Tensor(shape: [outputSize, outputSize, 1])
        var box = Tensor(shape: [outputSize, outputSize, 4]), weights = Tensor(shape: [outputSize, outputSize, 4])
        var objects = 0
        for b in boxes {
            let w = b.width / Double(stride), h = b.height / Double(stride)
            let cx = (b.x + b.width / 2) / Double(stride), cy = (b.y + b.height / 2) / Double(stride)
            let ix = Int(cx), iy = Int(cy)
            guard w > 0, h > 0, ix >= 0, iy >= 0, ix < outputSize, iy < outputSize else { continue }
            objects += 1
            let radius = max(0, Int(gaussianRadius(width: w, height: h, minimumOverlap: 0.7)))
            let sigma = Double(2 * radius + 1) / 6
            for y in max(0, iy - radius)...min(outputSize - 1, iy + radius) {
                for x in max(0, ix - radius)...min(outputSize - 1, ix + radius) {
                    let d2 = Double((x - ix) * (x - ix) + (y - iy) * (y - iy))
                    let v = Float(exp(-d2 / (2 * sigma * sigma)))
                    let i = y * outputSize + x
                    heat.scalars[i] = max(heat.scalars[i], v)
                }
            }
            heat.scalars[iy * outputSize + ix] = 1
            let base = (iy * outputSize + ix) * 4
            box.scalars[base] = Float(w)
            box.scalars[base + 1] = Float(h)
            box.scalars[base + 2] = Float(cx - Double(ix))
            box.scalars[base + 3] = Float(cy - Double(iy))
            for k in 0..<4 { weights.scalars[base + k] = 1 }
        }
        return CenterTargets(heatmap: heat, box: box, boxWeights: weights, objects: objects)
    }

    /// Radius of the Gaussian peak: CenterNet's `gaussian_radius` (the smallest of CornerNet's
    /// three quadratic cases). Its roots are not divided by 2a, so it over-estimates the radius
    /// at which IoU ≥ `minimumOverlap` is exactly kept; the exact radius is below one cell for
    /// most flies at stride 8, which would leave a single positive cell per fly. The larger
    /// spread is what trained CenterNet detectors use, so it is kept deliberately.
    static func gaussianRadius(width w: Double, height h: Double, minimumOverlap o: Double) -> Double {
        let b1 = h + w, c1 = w * h * (1 - o) / (1 + o)
        let r1 = (b1 + (b1 * b1 - 4 * c1).squareRoot()) / 2
        let b2 = 2 * (h + w), c2 = (1 - o) * w * h
        let r2 = (b2 + (b2 * b2 - 16 * c2).squareRoot()) / 2
        let a3 = 4 * o, b3 = -2 * o * (h + w), c3 = (o - 1) * w * h
        let r3 = (b3 + (b3 * b3 - 4 * a3 * c3).squareRoot()) / 2
        return min(r1, r2, r3)
    }
}
