import Datasets
import ImageIO
import ImageProcessing
import Tensors

/// Finding flies in a whole photo around whatever produces the output maps: the regions the
/// photo is split into (whole, tiles, or enlarged), letterboxing, decoding, mapping boxes back,
/// merging tiles, and the automatic tiling policy. `FlyDetector` runs it with its network;
/// `DetectionCeiling` with each photo's training targets, to measure what the design itself
/// allows — so both go through exactly the same steps.
struct DetectionPipeline {
    /// A rectangle of the photo (x, y, width, height) that one network input covers.
    typealias Region = (x: Int, y: Int, width: Int, height: Int)

    /// Network input side (photos or tiles are letterboxed to it, or to a multiple for zoom).
    let inputSize: Int
    /// Output stride of the maps.
    let stride: Int
    /// How the boxes of overlapping tiles are merged.
    var merge: TileMerge = .overlaps
    /// Output maps [N, h, w, 5] (heat logit, w, h, dx, dy) for the letterboxed `inputs` of
    /// `regions`, in order; all inputs of one call share `letterbox`.
    let maps: (_ inputs: [RGBImage], _ regions: [Region], _ letterbox: Letterbox) -> Tensor

    /// One pass over the whole photo, or an n×n grid of overlapping tiles whose duplicate boxes
    /// are merged.
    func detect(_ photo: RGBImage, threshold: Float, tiles: Int) -> [Detection] {
        precondition(tiles >= 1, "tiles must be at least 1")
        guard !photo.isEmpty else { return [] }
        if tiles == 1 { return detect(regions: [(0, 0, photo.width, photo.height)], in: photo, threshold: threshold) }
        let regions = Self.tileRegions(width: photo.width, height: photo.height, tiles: tiles)
        return DetectionMerger.merge(detectEach(regions: regions, in: photo, threshold: threshold), regions: regions,
                                     photoWidth: photo.width, photoHeight: photo.height, rule: merge)
    }

    /// One pass over the whole photo enlarged (or, below 1, shrunk) `zoom` times: long side
    /// `zoom` × the input size, at least 32 px.
    func detect(_ photo: RGBImage, threshold: Float, zoom: Double) -> [Detection] {
        precondition(zoom > 0, "zoom must be positive")
        guard !photo.isEmpty else { return [] }
        let side = max(32, Int((Double(inputSize) * zoom).rounded()))
        return detect(regions: [(0, 0, photo.width, photo.height)], in: photo, threshold: threshold, side: side)
    }

    /// Under a tiling policy, with the grid that produced the detections (see
    /// `FlyDetector.detect(_:threshold:tiling:sizingThreshold:views:)`).
    func detect(_ photo: RGBImage, threshold: Float, tiling: DetectorTiling, sizingThreshold: Float?) -> (detections: [Detection], tiles: Int, zoom: Double) {
        switch tiling {
        case .fixed(let n):
            return (detect(photo, threshold: threshold, tiles: n), n, 1)
        case .automatic, .automaticZoom:
            let sizing = max(threshold, sizingThreshold ?? threshold)
            let whole = detect(photo, threshold: threshold, tiles: 1)
            let judged = whole.filter { $0.score >= sizing }.map(\.box)
            if let shrunk = shrunk(photo, firstPass: judged, threshold: threshold, sizing: sizing) {
                return (shrunk.detections, 1, shrunk.zoom)
            }
            let n = FlyDetector.automaticTiles(boxes: judged, photoWidth: photo.width,
                                               photoHeight: photo.height, inputSize: inputSize)
            if n == 1 { return (whole, 1, 1) }
            if tiling == .automaticZoom {
                return (detect(photo, threshold: threshold, zoom: FlyDetector.tileMagnification(n)), n, 1)
            }
            return (detect(photo, threshold: threshold, tiles: n), n, 1)
        }
    }

    /// A close-up's flies detected on the photo shrunk (`shrinkProbe`), or nil where the first
    /// pass's flies are not too large. A probe pass within 10 % of the chosen zoom is the answer.
    private func shrunk(_ photo: RGBImage, firstPass: [BoundingBox], threshold: Float, sizing: Float) -> (detections: [Detection], zoom: Double)? {
        let probe = shrinkProbe(photo, firstPass: firstPass, threshold: threshold, sizing: sizing)
        guard let zoom = probe.zoom else { return nil }
        if let near = probe.passes.first(where: { abs($0.key / zoom - 1) <= 0.1 }) { return (near.value, near.key) }
        return (detect(photo, threshold: threshold, zoom: zoom), zoom)
    }

    /// The zoom below 1 at which automatic tiling would detect a photo's flies
    /// (`FlyDetector.automaticShrinkZoom`), judged from a first whole-photo pass's boxes (scores
    /// ≥ `sizing`), with the passes at smaller scales it ran to measure them (by zoom).
    func shrinkProbe(_ photo: RGBImage, firstPass: [BoundingBox], threshold: Float, sizing: Float) -> (zoom: Double?, passes: [Double: [Detection]]) {
        func median(_ boxes: [BoundingBox], zoom: Double) -> Double? {
            FlyDetector.medianFlySide(boxes: boxes, photoWidth: photo.width, photoHeight: photo.height, inputSize: inputSize, zoom: zoom)
        }
        var passes: [Double: [Detection]] = [:]
        let zoom = FlyDetector.automaticShrinkZoom(firstPassMedian: median(firstPass, zoom: 1), inputSize: inputSize) { zoom in
            let found = detect(photo, threshold: threshold, zoom: zoom)
            passes[zoom] = found
            return median(found.filter { $0.score >= sizing }.map(\.box), zoom: zoom)
        }
        return (zoom, passes)
    }

    /// The n×n grid of tiles over a width×height photo, each 1 / `tileMagnification(n)` of the
    /// side, overlapping their neighbours, the outer ones flush with the photo's edges.
    static func tileRegions(width: Int, height: Int, tiles n: Int) -> [Region] {
        func spans(_ length: Int) -> [(Int, Int)] {
            let size = Int((Double(length) / FlyDetector.tileMagnification(n)).rounded(.up))
            let step = Double(length - size) / Double(n - 1)
            return (0..<n).map { i in (Int((Double(i) * step).rounded()), size) }
        }
        var regions: [Region] = []
        for (y, h) in spans(height) { for (x, w) in spans(width) { regions.append((x, y, w, h)) } }
        return regions
    }

    /// Detections in each region of the photo, mapped to photo pixels; each region is
    /// letterboxed to `side` (default: the input size). Regions of one call share a size, so
    /// they run as one batch.
    func detect(regions: [Region], in photo: RGBImage, threshold: Float, side: Int? = nil) -> [Detection] {
        detectEach(regions: regions, in: photo, threshold: threshold, side: side).flatMap { $0 }.sorted { $0.score > $1.score }
    }

    /// As `detect(regions:in:threshold:side:)`, each region's detections apart (best first).
    func detectEach(regions: [Region], in photo: RGBImage, threshold: Float, side: Int? = nil) -> [[Detection]] {
        let letterbox = Letterbox(photoWidth: regions[0].width, photoHeight: regions[0].height, side: side ?? inputSize)
        let inputs = regions.map { r in
            letterbox.apply(r.x == 0 && r.y == 0 && r.width == photo.width && r.height == photo.height
                            ? photo : photo.cropped(x: r.x, y: r.y, width: r.width, height: r.height))
        }
        let output = maps(inputs, regions, letterbox)
        let oh = output.shape[1], ow = output.shape[2], per = oh * ow * 5
        return output.withUnsafePointer { base in
            regions.enumerated().map { i, r in
                DetectionDecoder.decode(base + i * per, height: oh, width: ow, stride: stride, threshold: threshold).map { d in
                    var box = letterbox.toPhoto(d.box)
                    box.x += Double(r.x)
                    box.y += Double(r.y)
                    return Detection(box: box.clipped(width: photo.width, height: photo.height), score: d.score)
                }
            }
        }
    }
}

extension BoundingBox {
    /// The part of the box inside a width×height image.
    func clipped(width: Int, height: Int) -> BoundingBox {
        let x0 = min(max(x, 0), Double(width)), y0 = min(max(y, 0), Double(height))
        let x1 = min(max(maxX, 0), Double(width)), y1 = min(max(maxY, 0), Double(height))
        return BoundingBox(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// The part of the box inside a width×height crop when it is a fly to learn there: at least
    /// half of the box inside and 2 px either way; nil for smaller remnants.
    func keptInCrop(width: Int, height: Int) -> BoundingBox? {
        let inside = clipped(width: width, height: height)
        return inside.area >= 0.5 * area && inside.width >= 2 && inside.height >= 2 ? inside : nil
    }
}
