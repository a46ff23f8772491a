import Datasets
import Foundation
import ImageProcessing
import Tensors

/// Training targets of the centre-based detector for one image, at the output resolution.
struct CenterTargets {
    var heatmap: Tensor       // [H, W, 1] Gaussian peaks (1 at each centre cell)
    var box: Tensor           // [H, W, 4] (w, h, dx, dy): size in stride units, centre − cell
    var boxWeights: Tensor    // [H, W, 4] 1 at centre cells; the peak's value at other box cells
    var objects: Int

    /// - Parameters:
    ///   - boxes: in input pixels (after letterbox/augmentation).
    ///   - boxCells: which cells learn each box (`DetectorRecipe.boxTargets`).
    ///   - radiusScale: the peaks' radius as a multiple of CenterNet's
    ///     (`DetectorRecipe.peakRadiusScale`).
    ///   - peakCentre: where the Gaussian is centred (`DetectorRecipe.peakCentre`).
    ///   - heads: with `peakAnchor` head, each box's fly's head tip (input pixels; nil where
    ///     unknown, which keeps the box centre): the peak goes there, and the box target is the
    ///     size plus the offset from that cell to the box centre. A head outside its box (cut
    ///     off by the image's edge) is moved to the nearest point of the box.
    ///   - soft: no cell is forced to 1 (`heatLoss` qualityFocal); the Gaussian is then always
    ///     centred on the true point, whatever `peakCentre` says.
    static func make(boxes: [BoundingBox], heads: [Point2D?]? = nil, outputSize: Int, stride: Int,
                     boxCells: DetectorRecipe.BoxTargets = .centre, radiusScale: Double = 1,
                     peakCentre: DetectorRecipe.PeakCentre = .cell, soft: Bool = false) -> CenterTargets {
        let peakCentre = soft ? .exact : peakCentre
        var heat = Tensor(shape: [outputSize, outputSize, 1])
        var box = Tensor(shape: [outputSize, outputSize, 4]), weights = Tensor(shape: [outputSize, outputSize, 4])
        // The peak value of the fly that owns each cell's box target (`peak` targets); centre
        // cells are marked 2 so no neighbour's peak takes them over.
        var owner = [Float](repeating: 0, count: outputSize * outputSize)
        var objects = 0
        func setBox(cell i: Int, weight: Float, w: Double, h: Double, cx: Double, cy: Double) {
            let x = i % outputSize, y = i / outputSize
            box.scalars[i * 4] = Float(w)
            box.scalars[i * 4 + 1] = Float(h)
            box.scalars[i * 4 + 2] = Float(cx - Double(x))
            box.scalars[i * 4 + 3] = Float(cy - Double(y))
            for k in 0..<4 { weights.scalars[i * 4 + k] = weight }
        }
        precondition(heads == nil || heads!.count == boxes.count, "one head (or nil) per box")
        for (n, b) in boxes.enumerated() {
            let w = b.width / Double(stride), h = b.height / Double(stride)
            let cx = (b.x + b.width / 2) / Double(stride), cy = (b.y + b.height / 2) / Double(stride)
            // The peak's point, in cells: the box centre, or the head tip where one is given —
            // moved into the box, which is clipped to the image, so a fly whose head lies outside
            // the photo or the crop is marked where its body meets the edge nearest the head.
            let anchor = heads?[n].map {
                Point2D(min(max($0.x, b.x), b.maxX) / Double(stride), min(max($0.y, b.y), b.maxY) / Double(stride))
            } ?? Point2D(cx, cy)
            guard anchor.x >= 0, anchor.y >= 0 else { continue }
            let ix = Int(anchor.x), iy = Int(anchor.y)
            guard w > 0, h > 0, ix < outputSize, iy < outputSize else { continue }
            objects += 1
            let radius = max(0, Int(gaussianRadius(width: w, height: h, minimumOverlap: 0.7) * radiusScale))
            let sigma = Double(2 * radius + 1) / 6
            for y in max(0, iy - radius)...min(outputSize - 1, iy + radius) {
                for x in max(0, ix - radius)...min(outputSize - 1, ix + radius) {
                    let d2 = peakCentre == .cell ? Double((x - ix) * (x - ix) + (y - iy) * (y - iy))
                        : (Double(x) + 0.5 - anchor.x) * (Double(x) + 0.5 - anchor.x) + (Double(y) + 0.5 - anchor.y) * (Double(y) + 0.5 - anchor.y)
                    let v = Float(exp(-d2 / (2 * sigma * sigma)))
                    let i = y * outputSize + x
                    heat.scalars[i] = max(heat.scalars[i], v)
                    // A peak cell learns the box when its centre lies inside the box.
                    if boxCells == .peak, v > owner[i], abs(Double(x) + 0.5 - cx) <= w / 2, abs(Double(y) + 0.5 - cy) <= h / 2 {
                        owner[i] = v
                        setBox(cell: i, weight: v, w: w, h: h, cx: cx, cy: cy)
                    }
                }
            }
            let centre = iy * outputSize + ix
            if !soft { heat.scalars[centre] = 1 }
            owner[centre] = 2
            setBox(cell: centre, weight: 1, w: w, h: h, cx: cx, cy: cy)
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
