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

    /// Radius of the Gaussian peak: the largest diagonal shift r of the true box (by r in x and
    /// in y) that still overlaps it with IoU ≥ `minimumOverlap` — the intent of CornerNet's
    /// radius, solved by bisection (the closed form in CenterNet's code over-estimates it).
    static func gaussianRadius(width w: Double, height h: Double, minimumOverlap o: Double) -> Double {
        func iou(_ r: Double) -> Double {
            let iw = max(0, w - r), ih = max(0, h - r)
            let intersection = iw * ih
            return intersection / (2 * w * h - intersection)
        }
        var low = 0.0, high = min(w, h)
        for _ in 0..<50 {
            let mid = (low + high) / 2
            if iou(mid) >= o { low = mid } else { high = mid }
        }
        return low
    }
}
