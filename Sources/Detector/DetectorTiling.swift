import Datasets
import ImageIO
import ImageProcessing

/// How a photo is split before detection.
///
/// The detector was trained on flies of 16–120 px at its input, but FlySim-like photos of a
/// whole card letterboxed into 512 px leave flies at about 20 px, where touching flies merge
/// into one heat-map peak and boxes get loose (docs/RESULTS.md, "Where the detector loses
/// flies"). Splitting such photos into overlapping tiles enlarges the flies; on photos whose
/// flies are already large it cuts flies apart and hurts. `automatic` decides per photo.
public enum DetectorTiling: Sendable, Equatable, CustomStringConvertible {
    /// Always an n×n grid (1 = the whole photo letterboxed into the input).
    case fixed(Int)
    /// One pass over the whole photo; when the flies it finds are small at the detector's
    /// input (median box side below `FlyDetector.automaticTilingSide`), a second pass over the
    /// fewest n×n tiles (n ≤ 4) that bring that median up to it.
    case automatic
    /// As `automatic`, but the second pass is one pass over the whole photo enlarged as much as
    /// the tiles would have enlarged it (`FlyDetector.detect(_:threshold:zoom:views:)`): no fly
    /// is cut by a tile's edge, so none is found twice.
    case automaticZoom

    /// Parses "auto", "auto-zoom" or a grid size 1…8 (command-line options); nil for anything else.
    public init?(argument: String) {
        if argument == "auto" { self = .automatic; return }
        if argument == "auto-zoom" { self = .automaticZoom; return }
        guard let n = Int(argument), (1...8).contains(n) else { return nil }
        self = .fixed(n)
    }

    public var description: String {
        switch self {
        case .fixed(let n): return "\(n)"
        case .automatic: return "auto"
        case .automaticZoom: return "auto-zoom"
        }
    }
}

/// Which boxes of a tiled pass count as one fly found twice (`DetectionMerger`).
public enum TileMerge: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Any two boxes that overlap with IoU ≥ 0.5, or one lying ≥ 70 % inside the other — across
    /// tiles and within one. The default: besides the tiles' duplicates it drops the second box
    /// the network puts on a fly it splits in two, but also flies lying on each other.
    case overlaps
    /// Only boxes from different tiles, and a box mostly inside another only where one of them
    /// reaches a tile's inner edge (a cut fly); of such a pair the whole box is kept.
    case acrossTiles = "across-tiles"

    public var description: String { rawValue }
}

extension FlyDetector {
    /// Median fly side (px at the detector's input) below which automatic tiling splits a photo.
    public static let automaticTilingSide = 32.0
    /// Automatic tiling needs this many flies from the first pass to judge their size.
    static let automaticTilingMinimumFlies = 3

    /// Every fly in `photo` under a tiling policy, with the grid that produced them (for
    /// `automaticZoom`, the grid whose enlargement the zoomed pass used; 1 = no second pass).
    /// - Parameter sizingThreshold: the score at which automatic tiling counts a box as a fly
    ///   when judging fly size (default `threshold`; evaluation detects down to a low curve
    ///   floor but should judge at the operating threshold, as `count` does).
    public func detect(_ photo: RGBImage, threshold: Float, tiling: DetectorTiling,
                       sizingThreshold: Float? = nil, views: Int = 1, merge: TileMerge = .overlaps) -> (detections: [Detection], tiles: Int) {
        pipeline(views: views, merge: merge).detect(photo, threshold: threshold, tiling: tiling, sizingThreshold: sizingThreshold)
    }

    /// The grid automatic tiling picks for flies found in one whole-photo pass: 1 when there
    /// are too few to judge or their median side is already `automaticTilingSide`, else the
    /// smallest n (2…4) whose tiles enlarge that median to it.
    public static func automaticTiles(boxes: [BoundingBox], photoWidth: Int, photoHeight: Int, inputSize: Int) -> Int {
        guard boxes.count >= automaticTilingMinimumFlies,
              let median = medianFlySide(boxes: boxes, photoWidth: photoWidth, photoHeight: photoHeight, inputSize: inputSize),
              median < automaticTilingSide else { return 1 }
        for n in 2...4 where median * tileMagnification(n) >= automaticTilingSide { return n }
        return 4
    }

    /// The median of the boxes' longer sides as the detector sees them (px at its input) when the
    /// photo is split into n×n tiles; nil without boxes or for an empty photo.
    public static func medianFlySide(boxes: [BoundingBox], photoWidth: Int, photoHeight: Int, inputSize: Int, tiles: Int = 1) -> Double? {
        guard !boxes.isEmpty, photoWidth > 0, photoHeight > 0 else { return nil }
        let scale = Double(inputSize) * tileMagnification(tiles) / Double(max(photoWidth, photoHeight))
        let sides = boxes.map { max($0.width, $0.height) * scale }.sorted()
        return sides[sides.count / 2]
    }

    /// How much an n×n grid of tiles (overlapping by `tileOverlap`) enlarges the photo at the input.
    public static func tileMagnification(_ n: Int) -> Double {
        Double(n) - Double(n - 1) * tileOverlap
    }
}
