import Datasets
import ImageIO
import ImageProcessing

/// How a photo is split before detection.
///
/// The detector was trained on flies of 16–120 px at its input, but FlySim-like photos of a
/// whole card letterboxed into 512 px leave flies at about 20 px, where touching flies merge
/// into one heat-map peak and boxes get loose (docs/RESULTS.md, "Where the detector loses
/// flies"). Splitting such photos into overlapping tiles enlarges the flies; on photos whose
/// flies are already large it cuts flies apart and hurts. Close-ups have the opposite problem:
/// flies much over 100 px at the input are beyond what the network learned (it finds a few,
/// with boxes of at most ~110 px; docs/RESULTS.md, "Close-up photos"), so they are shrunk.
/// `automatic` decides per photo.
public enum DetectorTiling: Sendable, Equatable, CustomStringConvertible {
    /// Always an n×n grid (1 = the whole photo letterboxed into the input).
    case fixed(Int)
    /// One pass over the whole photo; when the flies it finds are small at the detector's
    /// input (median box side below `FlyDetector.automaticTilingSide`), a second pass over the
    /// fewest n×n tiles (n ≤ 4) that bring that median up to it. When they are large (see
    /// `FlyDetector.automaticShrinkZoom`), passes over the photo shrunk until they are not.
    case automatic
    /// As `automatic`, but the second pass for small flies is one pass over the whole photo
    /// enlarged as much as the tiles would have enlarged it
    /// (`FlyDetector.detect(_:threshold:zoom:views:)`): no fly is cut by a tile's edge, so none
    /// is found twice. Large flies are shrunk as in `automatic`.
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
    /// Median fly side (px at the input) from which a pass may be showing flies larger than the
    /// network can: its boxes stop growing at about 80–115 px however large the flies are, so a
    /// median this large says only "large, size unknown"; a pass at half the scale is asked.
    public static let automaticShrinkCheckSide = 56.0
    /// Flies larger than this at the input (as measured on a pass where they came out under
    /// `automaticShrinkCheckSide`) are detected on the photo shrunk. The network finds flies up
    /// to about this size (trained on 14–110 px): the real close-ups' flies, ≈ 94 px, stay.
    public static let automaticShrinkSide = 100.0
    /// The side shrunken flies are brought to: inside the sizes the network finds best.
    public static let automaticShrinkTarget = 64.0
    /// The smallest input side a shrunken pass uses (two 32-px backbone cells).
    static let automaticShrinkSmallestSide = 64.0

    /// Every fly in `photo` under a tiling policy, with the grid that produced them (for
    /// `automaticZoom`, the grid whose enlargement the zoomed pass used; 1 = no second pass).
    /// - Parameter sizingThreshold: the score at which automatic tiling counts a box as a fly
    ///   when judging fly size (default `threshold`; evaluation detects down to a low curve
    ///   floor but should judge at the operating threshold, as `count` does).
    /// - Returns: the detections, the grid that produced them, and the zoom of the pass (1, or
    ///   below 1 where large flies were detected on the photo shrunk).
    public func detect(_ photo: RGBImage, threshold: Float, tiling: DetectorTiling,
                       sizingThreshold: Float? = nil, views: Int = 1, merge: TileMerge = .overlaps) -> (detections: [Detection], tiles: Int, zoom: Double) {
        pipeline(views: views, merge: merge).detect(photo, threshold: threshold, tiling: tiling, sizingThreshold: sizingThreshold)
    }

    /// The zoom below 1 at which `--tiles auto` would detect `photo`'s flies, given the boxes a
    /// whole-photo pass found there (`firstPass`, photo pixels); nil where it would not shrink
    /// it. Runs only the small probe passes (none when the first pass's flies are small).
    public func automaticShrinkZoom(_ photo: RGBImage, firstPass: [BoundingBox], threshold: Float, views: Int = 1) -> Double? {
        pipeline(views: views).shrinkProbe(photo, firstPass: firstPass, threshold: threshold, sizing: threshold).zoom
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

    /// The zoom (below 1) at which automatic tiling detects a photo's flies when they are too
    /// large for the network, from the median fly side a pass at each zoom found (px at that
    /// pass's input; nil where it found none). `passMedian` is asked at zooms 1/2, 1/4, … in turn
    /// while the flies still come out at least `automaticShrinkCheckSide` (their size unknown);
    /// the first pass where they come out smaller tells their size, and if that is over
    /// `automaticShrinkSide` at zoom 1, the zoom that brings them to `automaticShrinkTarget`.
    /// Flies still large at the smallest zoom (an input side of `automaticShrinkSmallestSide`)
    /// get that zoom. Nil: no shrinking (the first pass's flies are small, or none is found at
    /// a smaller scale, or they are not too large after all).
    public static func automaticShrinkZoom(firstPassMedian: Double?, inputSize: Int, passMedian: (Double) -> Double?) -> Double? {
        if let first = firstPassMedian, first < automaticShrinkCheckSide { return nil }
        let smallest = automaticShrinkSmallestSide / Double(inputSize)
        var zoom = 1.0
        while zoom / 2 >= smallest {
            zoom /= 2
            guard let median = passMedian(zoom) else { return nil }
            if median < automaticShrinkCheckSide {
                let side = median / zoom
                return side > automaticShrinkSide ? max(smallest, automaticShrinkTarget / side) : nil
            }
        }
        return zoom < 1 ? zoom : nil
    }

    /// The median of the boxes' longer sides as the detector sees them (px at its input) when the
    /// photo is split into n×n tiles, or shrunk by `zoom`; nil without boxes or for an empty photo.
    public static func medianFlySide(boxes: [BoundingBox], photoWidth: Int, photoHeight: Int, inputSize: Int, tiles: Int = 1,
                                     zoom: Double = 1) -> Double? {
        guard !boxes.isEmpty, photoWidth > 0, photoHeight > 0 else { return nil }
        let scale = Double(inputSize) * tileMagnification(tiles) * zoom / Double(max(photoWidth, photoHeight))
        let sides = boxes.map { max($0.width, $0.height) * scale }.sorted()
        return sides[sides.count / 2]
    }

    /// How much an n×n grid of tiles (overlapping by `tileOverlap`) enlarges the photo at the input.
    public static func tileMagnification(_ n: Int) -> Double {
        Double(n) - Double(n - 1) * tileOverlap
    }
}
