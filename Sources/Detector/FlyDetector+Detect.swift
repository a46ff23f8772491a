import Autograd
import Datasets
import ImageIO
import ImageProcessing
import Tensors

/// Finding flies in whole photos: letterbox (or tiles), forward pass, decoding, boxes back in
/// the photo's pixels.
extension FlyDetector {
    /// Score above which a heat-map peak counts as a fly when the model file names none.
    public static let defaultThreshold: Float = 0.3
    /// Share of a tile's side that overlaps its neighbour (so a fly cut by one tile's edge is
    /// whole in the next).
    static let tileOverlap = 0.15

    /// The raw output map [N, H/8, W/8, 5] for equally sized inputs (eval mode, through the
    /// compiled plan).
    public func outputMap(_ inputs: [RGBImage]) -> Tensor {
        outputMap(normalized: FlyDetector.inputTensor(inputs))
    }

    /// Equally sized network inputs as one ImageNet-normalised tensor [N, H, W, 3].
    public static func inputTensor(_ inputs: [RGBImage]) -> Tensor {
        precondition(!inputs.isEmpty, "no inputs")
        let w = inputs[0].width, h = inputs[0].height
        precondition(inputs.allSatisfy { $0.width == w && $0.height == h }, "inputs of one batch must share a size")
        var tensor = Tensor.uninitialized([inputs.count, h, w, 3])
        let pixels = w * h * 3
        tensor.scalars.withUnsafeMutableBufferPointer { buffer in
            for (i, image) in inputs.enumerated() {
                image.writeFloatHWC(into: UnsafeMutableBufferPointer(rebasing: buffer[(i * pixels)..<((i + 1) * pixels)]), .imageNet)
            }
        }
        return tensor
    }

    /// The raw output map for an input tensor [N, H, W, 3] already ImageNet-normalised — the
    /// network alone, as a peer runtime running the same detector is timed.
    public func outputMap(normalized tensor: Tensor) -> Tensor {
        eval()
        let plan = compiled ?? DetectorPlan(self)
        compiled = plan
        return plan(tensor)
    }

    /// Every fly in `photo`, best first, boxes in the photo's pixels.
    /// - Parameters:
    ///   - tiles: 1 = the whole photo letterboxed into the input; n > 1 = an n×n grid of
    ///     overlapping tiles, each letterboxed, for large photos whose flies would otherwise
    ///     shrink to a few pixels; boxes found twice where tiles overlap are merged.
    ///   - views: dihedral views of each input whose output maps are averaged (1, 2, 4 or 8;
    ///     see `DetectorViews`); the time grows with them.
    public func detect(_ photo: RGBImage, threshold: Float, tiles: Int = 1, views: Int = 1) -> [Detection] {
        precondition(tiles >= 1, "tiles must be at least 1")
        guard !photo.isEmpty else { return [] }
        if tiles == 1 { return detect(regions: [(0, 0, photo.width, photo.height)], in: photo, threshold: threshold, views: views) }
        func spans(_ length: Int) -> [(Int, Int)] {
            let size = Int((Double(length) / FlyDetector.tileMagnification(tiles)).rounded(.up))
            let step = Double(length - size) / Double(tiles - 1)
            return (0..<tiles).map { i in (Int((Double(i) * step).rounded()), size) }
        }
        var regions: [(Int, Int, Int, Int)] = []
        for (y, h) in spans(photo.height) { for (x, w) in spans(photo.width) { regions.append((x, y, w, h)) } }
        return DetectionMerger.merge(detect(regions: regions, in: photo, threshold: threshold, views: views))
    }

    /// Every fly in `photo` from one pass over the whole photo enlarged `zoom` times: its long
    /// side becomes `zoom` × the input size (the letterbox pads the rest to whole 32-px cells).
    /// It enlarges small flies as tiles do, but no fly is cut by a tile's edge and no box has to
    /// be merged with another tile's (docs/RESULTS.md, "The stride-4 detector bundled; one
    /// enlarged pass instead of tiles").
    public func detect(_ photo: RGBImage, threshold: Float, zoom: Double, views: Int = 1) -> [Detection] {
        precondition(zoom >= 1, "zoom must be at least 1")
        guard !photo.isEmpty else { return [] }
        let side = Int((Double(configuration.inputSize) * zoom).rounded())
        return detect(regions: [(0, 0, photo.width, photo.height)], in: photo, threshold: threshold, views: views, side: side)
    }

    /// Detections in each region (x, y, width, height) of the photo, mapped to photo pixels;
    /// each region is letterboxed to `side` (default: the input size).
    func detect(regions: [(Int, Int, Int, Int)], in photo: RGBImage, threshold: Float, views: Int, side: Int? = nil) -> [Detection] {
        FlyDetector.detections(regions: regions, in: photo, side: side ?? configuration.inputSize, stride: configuration.outputStride,
                               threshold: threshold, views: views) { outputMap($0) }
    }

    /// The pipeline around the network (letterbox, views, decoding, mapping back), apart from
    /// it so that tests can run it with a stand-in network.
    static func detections(regions: [(Int, Int, Int, Int)], in photo: RGBImage, side: Int, stride: Int, threshold: Float,
                           views: Int, network: ([RGBImage]) -> Tensor) -> [Detection] {
        var found: [Detection] = []
        // Tiles of one grid share a size, so they run as one batch.
        let letterbox = Letterbox(photoWidth: regions[0].2, photoHeight: regions[0].3, side: side)
        let inputs = regions.map { r in
            letterbox.apply(r.0 == 0 && r.1 == 0 && r.2 == photo.width && r.3 == photo.height
                            ? photo : photo.cropped(x: r.0, y: r.1, width: r.2, height: r.3))
        }
        let output = DetectorViews.averagedOutput(inputs, count: views, network: network)
        let oh = output.shape[1], ow = output.shape[2], per = oh * ow * 5
        output.withUnsafePointer { base in
            for (i, r) in regions.enumerated() {
                for d in DetectionDecoder.decode(base + i * per, height: oh, width: ow, stride: stride,
                                                 threshold: threshold) {
                    var box = letterbox.toPhoto(d.box)
                    box.x += Double(r.0)
                    box.y += Double(r.1)
                    found.append(Detection(box: box.clipped(width: photo.width, height: photo.height), score: d.score))
                }
            }
        }
        return found.sorted { $0.score > $1.score }
    }
}

extension BoundingBox {
    /// The part of the box inside a width×height image.
    func clipped(width: Int, height: Int) -> BoundingBox {
        let x0 = min(max(x, 0), Double(width)), y0 = min(max(y, 0), Double(height))
        let x1 = min(max(maxX, 0), Double(width)), y1 = min(max(maxY, 0), Double(height))
        return BoundingBox(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}

/// Merges boxes of the same fly seen by two overlapping tiles: greedy by score, a box is dropped
/// when it overlaps a kept one with IoU ≥ 0.5 or lies mostly (≥ 70 %) inside it — a fly cut by
/// a tile edge gives a partial box inside the full one from the neighbouring tile.
enum DetectionMerger {
    static func merge(_ detections: [Detection]) -> [Detection] {
        var kept: [Detection] = []
        for d in detections.sorted(by: { $0.score > $1.score }) {
            let duplicate = kept.contains { k in
                d.box.iou(k.box) >= 0.5 || d.box.intersectionArea(k.box) >= 0.7 * min(d.box.area, k.box.area)
            }
            if !duplicate { kept.append(d) }
        }
        return kept
    }
}
