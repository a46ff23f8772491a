import Datasets

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
