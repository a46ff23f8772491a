import Datasets
import Foundation
import ImageIO
import ImageProcessing
import Tensors

/// What the detector's design allows, apart from how well a network learns it: each photo's
/// training targets (`CenterTargets`, as `DetectorBatch` makes them) put through the detection
/// pipeline in place of the network's output maps — the perfect network's output. A fly this
/// loses is lost to the design at that input size, output stride and tiling, not to training:
/// two centres in one cell, or in neighbouring cells (the 3×3 peak rule keeps one), a fly cut
/// by tiles and merged away, a size the tiling policy misjudges.
public enum DetectionCeiling {
    /// The perfect network's detections in `photo` whose flies are `truth` (photo pixels).
    /// - Parameter heads: the flies' head tips (photo pixels, nil where unknown) for the design
    ///   whose peaks mark heads (`DetectorRecipe.peakAnchor` head); nil for box centres.
    public static func detect(_ photo: RGBImage, truth: [BoundingBox], heads: [Point2D?]? = nil,
                              configuration: FlyDetectorConfiguration, threshold: Float, tiling: DetectorTiling,
                              sizingThreshold: Float? = nil, merge: TileMerge = .overlaps) -> (detections: [Detection], tiles: Int, zoom: Double) {
        let pipeline = DetectionPipeline(inputSize: configuration.inputSize, stride: configuration.outputStride, merge: merge) { _, regions, letterbox in
            targetMaps(truth: truth, heads: heads, regions: regions, letterbox: letterbox, stride: configuration.outputStride)
        }
        return pipeline.detect(photo, threshold: threshold, tiling: tiling, sizingThreshold: sizingThreshold)
    }

    /// Heat logits and boxes [N, h, w, 5] of the training targets of each region's flies.
    static func targetMaps(truth: [BoundingBox], heads: [Point2D?]? = nil, regions: [DetectionPipeline.Region],
                           letterbox: Letterbox, stride: Int) -> Tensor {
        let oh = letterbox.inputHeight / stride, ow = letterbox.inputWidth / stride, side = max(oh, ow)
        var maps = Tensor.zeros([regions.count, oh, ow, 5])
        // A perfect score is a logit of ±∞; this keeps the decoder's arithmetic finite.
        let certain: Float = 1 - 1e-6
        for (i, r) in regions.enumerated() {
            var boxes: [BoundingBox] = [], regionHeads: [Point2D?] = []
            for (n, b) in truth.enumerated() {
                guard let kept = BoundingBox(x: (b.x - Double(r.x)) * letterbox.scale, y: (b.y - Double(r.y)) * letterbox.scale,
                                             width: b.width * letterbox.scale, height: b.height * letterbox.scale)
                    .keptInCrop(width: letterbox.contentWidth, height: letterbox.contentHeight) else { continue }
                boxes.append(kept)
                regionHeads.append(heads?[n].map { Point2D(($0.x - Double(r.x)) * letterbox.scale, ($0.y - Double(r.y)) * letterbox.scale) })
            }
            // The targets are made on a square; the letterboxed input is its top-left part.
            let targets = CenterTargets.make(boxes: boxes, heads: heads == nil ? nil : regionHeads, outputSize: side, stride: stride)
            for y in 0..<oh {
                for x in 0..<ow {
                    let t = y * side + x, m = ((i * oh + y) * ow + x) * 5
                    let p = min(max(targets.heatmap.scalars[t], 1 - certain), certain)
                    maps.scalars[m] = Foundation.log(p / (1 - p))
                    for k in 0..<4 { maps.scalars[m + 1 + k] = targets.box.scalars[t * 4 + k] }
                }
            }
        }
        return maps
    }
}
