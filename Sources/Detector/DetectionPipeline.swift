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

    /// One pass over the whole photo enlarged `zoom` times (long side `zoom` × the input size).
    func detect(_ photo: RGBImage, threshold: Float, zoom: Double) -> [Detection] {
        precondition(zoom >= 1, "zoom must be at least 1")
        guard !photo.isEmpty else { return [] }
        let side = Int((Double(inputSize) * zoom).rounded())
        return detect(regions: [(0, 0, photo.width, photo.height)], in: photo, threshold: threshold, side: side)
    }

    /// Under a tiling policy, with the grid that produced the detections (see
    /// `FlyDetector.detect(_:threshold:tiling:sizingThreshold:views:)`).
    func detect(_ photo: RGBImage, threshold: Float, tiling: DetectorTiling, sizingThreshold: Float?) -> (detections: [Detection], tiles: Int) {
        switch tiling {
        case .fixed(let n):
            return (detect(photo, threshold: threshold, tiles: n), n)
        case .automatic, .automaticZoom:
            let whole = detect(photo, threshold: threshold, tiles: 1)
            let judged = whole.filter { $0.score >= max(threshold, sizingThreshold ?? threshold) }
            let n = FlyDetector.automaticTiles(boxes: judged.map(\.box), photoWidth: photo.width,
                                               photoHeight: photo.height, inputSize: inputSize)
            if n == 1 { return (whole, 1) }
            if tiling == .automaticZoom {
                return (detect(photo, threshold: threshold, zoom: FlyDetector.tileMagnification(n)), n)
            }
            return (detect(photo, threshold: threshold, tiles: n), n)
        }
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

/// Merges boxes of the same fly seen by two overlapping tiles, greedy by score over all tiles.
///
/// `overlaps` (the default): a box is dropped when it overlaps a kept one with IoU ≥ 0.5 or lies
/// mostly (≥ 70 %) inside it, whichever tiles they come from — a fly cut by a tile edge gives a
/// partial box inside the full one from the neighbouring tile.
///
/// `acrossTiles`: a box is a duplicate of a kept box from another tile when the two overlap with
/// IoU ≥ 0.5, or when one of them reaches an edge its tile shares with a neighbour (where a fly
/// is cut) and lies mostly inside the other; of such a pair the whole box is kept, with the
/// higher score. Boxes from one tile are never merged: within one input the decoder's peaks are
/// separate flies already. With the training targets as the output (`DetectionCeiling`) this
/// keeps flies lying on each other that `overlaps` drops; with the bundled network it also keeps
/// the second box on flies it splits (docs/RESULTS.md, "The design's ceiling").
enum DetectionMerger {
    static func merge(_ perTile: [[Detection]], regions: [DetectionPipeline.Region], photoWidth: Int, photoHeight: Int,
                      rule: TileMerge) -> [Detection] {
        precondition(perTile.count == regions.count, "one list of detections per tile")
        if rule == .overlaps { return overlapping(perTile.flatMap { $0 }) }
        let candidates = zip(perTile, regions).enumerated().flatMap { tile, pair in
            pair.0.map { (detection: $0, tile: tile, cut: reachesInnerEdge($0.box, of: pair.1, photoWidth: photoWidth, photoHeight: photoHeight)) }
        }.sorted { $0.detection.score > $1.detection.score }
        var kept: [(detection: Detection, tile: Int, cut: Bool)] = []
        for c in candidates {
            guard let k = kept.firstIndex(where: { k in
                k.tile != c.tile && (k.detection.box.iou(c.detection.box) >= 0.5
                    || ((k.cut || c.cut) && k.detection.box.intersectionArea(c.detection.box) >= 0.7 * min(k.detection.box.area, c.detection.box.area)))
            }) else {
                kept.append(c)
                continue
            }
            if kept[k].cut && !c.cut { kept[k] = (Detection(box: c.detection.box, score: kept[k].detection.score), c.tile, false) }
        }
        return kept.map(\.detection)
    }

    /// The `overlaps` rule.
    static func overlapping(_ detections: [Detection]) -> [Detection] {
        var kept: [Detection] = []
        for d in detections.sorted(by: { $0.score > $1.score }) {
            let duplicate = kept.contains { k in
                d.box.iou(k.box) >= 0.5 || d.box.intersectionArea(k.box) >= 0.7 * min(d.box.area, k.box.area)
            }
            if !duplicate { kept.append(d) }
        }
        return kept
    }

    /// Whether a box (photo pixels) reaches, within 2 % of the tile's side, an edge of its tile
    /// that lies inside the photo.
    static func reachesInnerEdge(_ box: BoundingBox, of tile: DetectionPipeline.Region, photoWidth: Int, photoHeight: Int) -> Bool {
        let dx = 0.02 * Double(tile.width), dy = 0.02 * Double(tile.height)
        let x0 = Double(tile.x), y0 = Double(tile.y), x1 = Double(tile.x + tile.width), y1 = Double(tile.y + tile.height)
        return (tile.x > 0 && box.x <= x0 + dx) || (tile.x + tile.width < photoWidth && box.maxX >= x1 - dx)
            || (tile.y > 0 && box.y <= y0 + dy) || (tile.y + tile.height < photoHeight && box.maxY >= y1 - dy)
    }
}
