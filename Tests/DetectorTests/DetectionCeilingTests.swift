import Datasets
import Foundation
import ImageIO
import Testing
@testable import Detector

/// The design's ceiling (`DetectionCeiling`, `flytally eval --detector --ceiling`): the training
/// targets put through the detection pipeline must give back every fly the design can
/// represent, exactly, and lose the ones it cannot — two centres in neighbouring cells, where
/// the 3×3 peak rule keeps one.
@Suite struct DetectionCeilingTests {
    /// A 512×256 photo: at a 512-px input it is letterboxed 1:1, so photo and input pixels agree.
    static let photo = RGBImage(width: 512, height: 256)

    static func configuration(stride: Int) -> FlyDetectorConfiguration {
        FlyDetectorConfiguration(variant: .small, inputSize: 512, neckChannels: 8, outputStride: stride)
    }

    static func bestIoU(_ truth: BoundingBox, _ found: [Detection]) -> Double {
        found.map { $0.box.iou(truth) }.max() ?? 0
    }

    /// Six flies lying apart, some across the seams of a 2×2 grid of tiles.
    static let apart = [BoundingBox(x: 20, y: 20, width: 31, height: 17), BoundingBox(x: 140, y: 60, width: 23, height: 35),
                        BoundingBox(x: 243, y: 110, width: 29, height: 21), BoundingBox(x: 300, y: 200, width: 41, height: 25),
                        BoundingBox(x: 420, y: 30, width: 19, height: 27), BoundingBox(x: 250, y: 15, width: 33, height: 19)]

    @Test(arguments: [4, 8])
    func everyFlyLyingApartComesBackExactly(stride: Int) {
        let found = DetectionCeiling.detect(Self.photo, truth: Self.apart, configuration: Self.configuration(stride: stride),
                                            threshold: 0.3, tiling: .fixed(1)).detections
        #expect(found.count == Self.apart.count, "stride \(stride): \(found.count) boxes for \(Self.apart.count) flies")
        for truth in Self.apart {
            #expect(Self.bestIoU(truth, found) > 0.999, "stride \(stride): \(truth)")
        }
    }

    /// Tiles: flies whole in two tiles, or cut by one tile's edge, are merged back to one box
    /// each (the cut one's box may be the clipped part: both score alike, so IoU ≥ 0.5 only).
    @Test func tilesMergeBackToOneBoxPerFly() {
        let found = DetectionCeiling.detect(Self.photo, truth: Self.apart, configuration: Self.configuration(stride: 4),
                                            threshold: 0.3, tiling: .fixed(2)).detections
        #expect(found.count == Self.apart.count, "\(found.count) boxes for \(Self.apart.count) flies")
        for truth in Self.apart {
            #expect(Self.bestIoU(truth, found) >= 0.5, "\(truth)")
        }
    }

    /// Two flies side by side, centres 10 px apart: at stride 8 their centres fall in
    /// neighbouring cells (12 and 13) and only one peak survives; at stride 4 they are two cells
    /// apart (25 and 27) and both come back.
    @Test func centresInNeighbouringCellsKeepOnePeak() {
        let pair = [BoundingBox(x: 90, y: 100, width: 20, height: 12), BoundingBox(x: 100, y: 104, width: 20, height: 12)]
        let coarse = DetectionCeiling.detect(Self.photo, truth: pair, configuration: Self.configuration(stride: 8),
                                             threshold: 0.3, tiling: .fixed(1)).detections
        let fine = DetectionCeiling.detect(Self.photo, truth: pair, configuration: Self.configuration(stride: 4),
                                           threshold: 0.3, tiling: .fixed(1)).detections
        #expect(coarse.count == 1, "stride 8: \(coarse.count) boxes")
        #expect(fine.count == 2, "stride 4: \(fine.count) boxes")
        for truth in pair { #expect(Self.bestIoU(truth, fine) > 0.999, "stride 4: \(truth)") }
    }

    /// A fly lying on a larger one, inside its box (IoU 0.25), centres 5 px apart, seen by one
    /// tile of a 2×2 grid: the default merge drops it as a duplicate, `acrossTiles` keeps both.
    @Test func theDefaultMergeDropsAFlyLyingOnAnother() {
        let pile = [BoundingBox(x: 60, y: 150, width: 60, height: 40), BoundingBox(x: 70, y: 158, width: 30, height: 20)]
        func found(_ merge: TileMerge) -> [Detection] {
            DetectionCeiling.detect(Self.photo, truth: pile, configuration: Self.configuration(stride: 4), threshold: 0.3,
                                    tiling: .fixed(2), merge: merge).detections
        }
        #expect(found(.overlaps).count == 1)
        let both = found(.acrossTiles)
        #expect(both.count == 2)
        for truth in pile { #expect(Self.bestIoU(truth, both) > 0.999, "\(truth)") }
    }

    /// Automatic tiling judges the flies' size on the first pass as the network's would be
    /// judged: small flies in a large photo get tiles, and still come back one box each.
    @Test func automaticTilingPicksTilesForSmallFlies() {
        let large = RGBImage(width: 2048, height: 1024)
        let small = (0..<12).map { i in BoundingBox(x: 60 + Double(i % 6) * 320, y: 150 + Double(i / 6) * 500, width: 41, height: 27) }
        let (found, tiles, zoom) = DetectionCeiling.detect(large, truth: small, configuration: Self.configuration(stride: 4),
                                                           threshold: 0.3, tiling: .automatic)
        #expect(zoom == 1)
        #expect(tiles > 1, "41-px flies are 10 px at the input: tiles expected")
        #expect(found.count == small.count)
        for truth in small { #expect(Self.bestIoU(truth, found) >= 0.5, "\(truth)") }
    }

    /// Flies far larger than the network was trained on are detected on the photo shrunk to
    /// bring them to 64 px, and still come back one box each in the photo's pixels; flies of the
    /// real close-ups' size (≈ 94 px at the input) are left at zoom 1.
    @Test func automaticTilingShrinksCloseUps() {
        let photo = RGBImage(width: 2048, height: 1536)
        // 760-px flies are 190 px at the 512-px input.
        let huge = (0..<4).map { i in BoundingBox(x: 100 + Double(i % 2) * 1000, y: 100 + Double(i / 2) * 700, width: 760, height: 380) }
        let (found, tiles, zoom) = DetectionCeiling.detect(photo, truth: huge, configuration: Self.configuration(stride: 4),
                                                           threshold: 0.3, tiling: .automatic)
        #expect(tiles == 1 && abs(zoom - 64.0 / 190) < 0.02, "zoom \(zoom)")
        #expect(found.count == huge.count)
        for truth in huge { #expect(Self.bestIoU(truth, found) >= 0.5, "\(truth)") }
        let closeUp = (0..<4).map { i in BoundingBox(x: 100 + Double(i % 2) * 1000, y: 100 + Double(i / 2) * 700, width: 376, height: 190) }
        #expect(DetectionCeiling.detect(photo, truth: closeUp, configuration: Self.configuration(stride: 4), threshold: 0.3,
                                        tiling: .automatic).zoom == 1)
    }
}
