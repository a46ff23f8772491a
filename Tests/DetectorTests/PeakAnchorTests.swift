import Datasets
import Foundation
import ImageIO
import ImageProcessing
import Tensors
import Testing
@testable import Detector

/// Heat-map peaks on the flies' heads (`peakAnchor` head): the peak sits at the head's cell,
/// the box is still decoded from it exactly, and two flies crossing each other — one box centre
/// for both — keep two peaks.
@Suite struct PeakAnchorTests {
    /// A perfect network's output map [1, n, n, 5] for the targets (logits clamped as in the ceiling).
    static func decoded(_ targets: CenterTargets, cells n: Int, stride: Int) -> [Detection] {
        var map = [Float](repeating: 0, count: n * n * 5)
        for i in 0..<(n * n) {
            let p = min(max(targets.heatmap.scalars[i], 1e-6), 1 - 1e-6)
            map[i * 5] = Foundation.log(p / (1 - p))
            for k in 0..<4 { map[i * 5 + 1 + k] = targets.box.scalars[i * 4 + k] }
        }
        return map.withUnsafeBufferPointer { DetectionDecoder.decode($0.baseAddress!, height: n, width: n, stride: stride, threshold: 0.3) }
    }

    @Test func theHeadCellPeaksAndTheBoxDecodesWhole() {
        let box = BoundingBox(x: 40, y: 40, width: 24, height: 12)
        let head = Point2D(62.5, 46.5)   // the right end of a fly lying along x
        let targets = CenterTargets.make(boxes: [box], heads: [head], outputSize: 32, stride: 4)
        let peak = targets.heatmap.scalars.indices.max { targets.heatmap.scalars[$0] < targets.heatmap.scalars[$1] }!
        #expect(peak % 32 == 15 && peak / 32 == 11, "peak at cell (\(peak % 32), \(peak / 32))")
        let found = Self.decoded(targets, cells: 32, stride: 4)
        #expect(found.count == 1)
        if let first = found.first { #expect(first.box.iou(box) > 0.999, "decoded \(first.box)") }
        // Without a head the same box peaks at its centre, as CenterNet's.
        let plain = CenterTargets.make(boxes: [box], heads: [nil], outputSize: 32, stride: 4)
        #expect(plain.heatmap.scalars == CenterTargets.make(boxes: [box], outputSize: 32, stride: 4).heatmap.scalars)
        #expect(plain.heatmap.scalars[(46 / 4) * 32 + 52 / 4] == 1)
    }

    @Test func aHeadOutsideItsClippedBoxMovesToTheBoxEdge() {
        // A fly cut by the image's left edge: its box is clipped at x = 0, its head lies beyond.
        let box = BoundingBox(x: 0, y: 40, width: 14, height: 12)
        let targets = CenterTargets.make(boxes: [box], heads: [Point2D(-8, 45)], outputSize: 32, stride: 4)
        #expect(targets.objects == 1)
        #expect(targets.heatmap.scalars[(45 / 4) * 32 + 0] == 1)
    }

    @Test func crossingFliesKeepTwoPeaksOnlyWithHeadAnchors() {
        // Two flies lying across each other: one box centre (40, 40) for both, heads apart.
        let across = BoundingBox(x: 20, y: 36, width: 40, height: 8), down = BoundingBox(x: 36, y: 20, width: 8, height: 40)
        let heads = [Point2D(59, 40), Point2D(40, 21)]
        let centred = Self.decoded(CenterTargets.make(boxes: [across, down], outputSize: 32, stride: 4), cells: 32, stride: 4)
        let headed = Self.decoded(CenterTargets.make(boxes: [across, down], heads: heads, outputSize: 32, stride: 4), cells: 32, stride: 4)
        #expect(centred.count == 1)
        #expect(headed.count == 2)
        for truth in [across, down] {
            #expect(headed.contains { $0.box.iou(truth) > 0.99 }, "no box for \(truth): \(headed.map(\.box))")
        }
        // The ceiling (whole photo through the pipeline) sees the same.
        let photo = RGBImage(width: 128, height: 128, fill: RGB(90, 90, 90))
        let configuration = FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 128, neckChannels: 8, outputStride: 4)
        let truth = [across, down].map { BoundingBox(x: $0.x * 2, y: $0.y * 2, width: $0.width * 2, height: $0.height * 2) }
        let photoHeads: [Point2D?] = heads.map { Point2D($0.x * 2, $0.y * 2) }
        let one = DetectionCeiling.detect(photo, truth: truth, configuration: configuration, threshold: 0.3, tiling: .fixed(1))
        let two = DetectionCeiling.detect(photo, truth: truth, heads: photoHeads, configuration: configuration, threshold: 0.3,
                                          tiling: .fixed(1))
        #expect(one.detections.count == 1 && two.detections.count == 2)
    }

    /// Heads travel with their boxes through the training crop and the dihedral symmetries.
    @Test func headsMoveWithThePixels() {
        var photo = RGBImage(width: 200, height: 100, fill: RGB(90, 90, 90))
        for y in 40..<50 { for x in 50..<80 { photo[x, y] = .white } }
        let sample = DetectorSample(image: photo, boxes: [BoundingBox(x: 50, y: 40, width: 30, height: 10)],
                                    heads: [Point2D(75.78125, 46.09375)], source: "test")   // (48.5, 29.5) in the crop
        var recipe = DetectorRecipe()
        recipe.cropSize = 128
        recipe.model.inputSize = 128
        recipe.geometricAugmentation = .none
        var rng = RandomSource(seed: 1)
        let (crop, boxes, heads) = DetectorBatch.crop(sample, recipe: recipe, rng: &rng)
        #expect(boxes.count == 1 && heads.count == 1)
        let head = try! #require(heads.first ?? nil)
        #expect(abs(head.x - 48.5) < 1e-9 && abs(head.y - 29.5) < 1e-9)
        #expect(crop[48, 29] == .white)
        for t in [false, true] { for h in [false, true] { for v in [false, true] {
            let symmetry = Dihedral(transpose: t, flipHorizontal: h, flipVertical: v)
            let moved = symmetry.apply(head, width: crop.width, height: crop.height)
            let image = symmetry.apply(crop)
            // The pixel under the head is the fly's (white) before and after.
            #expect(image[Int(moved.x), Int(moved.y)] == crop[Int(head.x), Int(head.y)], "\(symmetry)")
            let box = symmetry.apply(boxes[0], width: crop.width, height: crop.height)
            #expect(moved.x >= box.x && moved.x <= box.maxX && moved.y >= box.y && moved.y <= box.maxY, "\(symmetry)")
        } } }
    }

    /// Soft targets (`heatLoss` quality-focal): no cell is forced to 1, and the peak's height
    /// follows where the centre sits in its cell — the same cell is highest either way.
    @Test func softTargetsChangeSmoothlyWithTheCentre() {
        func peak(_ x: Double) -> Float {
            let t = CenterTargets.make(boxes: [BoundingBox(x: x, y: 40, width: 24, height: 12)], outputSize: 32, stride: 4, soft: true)
            return t.heatmap.scalars.max()!
        }
        let centred = peak(38), nearEdge = peak(39.8)   // centre 0.5 or 0.95 of the way across cell 12
        #expect(centred > 0.99 && nearEdge < 1 && nearEdge > 0.5, "\(centred), \(nearEdge)")
        #expect(abs(peak(39.8) - peak(39.9)) < 0.05)
        let hard = CenterTargets.make(boxes: [BoundingBox(x: 39.8, y: 40, width: 24, height: 12)], outputSize: 32, stride: 4)
        #expect(hard.heatmap.scalars.max() == 1)
    }

    @Test func theRecipeKeyIsWrittenOnlyWhenItIsNotTheCentre() throws {
        var recipe = DetectorRecipe()
        #expect(!String(decoding: try JSONEncoder().encode(recipe), as: UTF8.self).contains("peakAnchor"))
        recipe.peakAnchor = .head
        let data = try JSONEncoder().encode(recipe)
        #expect(String(decoding: data, as: UTF8.self).contains("\"peakAnchor\":\"head\""))
        #expect(try JSONDecoder().decode(DetectorRecipe.self, from: data).peakAnchor == .head)
    }
}
