import Datasets
import Foundation
import ImageIO
import Tensors
import Testing
@testable import Detector

/// Test-time views: each view's map must come back to the input's orientation exactly.
///
/// The stand-in network reads white rectangles off its input pixels and writes CenterNet's
/// output for them (a peak at the centre cell, size in cells, offset of the centre within
/// the cell). It is equivariant by construction: shown a mirrored or transposed input it
/// reports the mirrored or transposed boxes. So if `Dihedral.apply` moves the pixels one way
/// and `merge` undoes the views another, the averaged map differs from the single view's.
@Suite struct DetectorViewsTests {
    static let stride = 8
    /// Odd sizes put every centre on a half pixel, never on a cell border, so no view can
    /// disagree about which cell holds it. Non-square input: transposed maps are W×H.
    static let boxes = [BoundingBox(x: 5, y: 9, width: 21, height: 13), BoundingBox(x: 60, y: 30, width: 11, height: 25),
                        BoundingBox(x: 97, y: 3, width: 17, height: 9)]
    static let photo: RGBImage = {
        var image = RGBImage(width: 128, height: 64)
        for b in boxes {
            for y in Int(b.y)..<Int(b.maxY) {
                for x in Int(b.x)..<Int(b.maxX) { image.pixels.replaceSubrange((y * 128 + x) * 3..<(y * 128 + x) * 3 + 3, with: [255, 255, 255]) }
            }
        }
        return image
    }()

    /// The stand-in network: one output map per input image.
    static func network(_ images: [RGBImage]) -> Tensor {
        let h = images[0].height / stride, w = images[0].width / stride
        var map = Tensor.zeros([images.count, h, w, 5])
        for (n, image) in images.enumerated() {
            let base = n * h * w * 5
            for c in 0..<(h * w) { map.scalars[base + c * 5] = -6 }
            func white(_ x: Int, _ y: Int) -> Bool { image.contains(x: x, y: y) && image[x, y].r == 255 }
            for y in 0..<image.height {
                for x in 0..<image.width where white(x, y) && !white(x - 1, y) && !white(x, y - 1) {
                    var bw = 0, bh = 0
                    while white(x + bw, y) { bw += 1 }
                    while white(x, y + bh) { bh += 1 }
                    let cx = (Double(x) + Double(bw) / 2) / Double(stride), cy = (Double(y) + Double(bh) / 2) / Double(stride)
                    let i = base + (Int(cy) * w + Int(cx)) * 5
                    map.scalars[i] = 4
                    map.scalars[i + 1] = Float(bw) / Float(stride)
                    map.scalars[i + 2] = Float(bh) / Float(stride)
                    map.scalars[i + 3] = Float(cx - cx.rounded(.down))
                    map.scalars[i + 4] = Float(cy - cy.rounded(.down))
                }
            }
        }
        return map
    }

    @Test(arguments: DetectorViews.counts)
    func averagedViewsGiveBackTheSingleViewMap(views: Int) {
        let single = Self.network([Self.photo, Self.photo])
        let averaged = DetectorViews.averagedOutput([Self.photo, Self.photo], count: views, network: Self.network)
        #expect(averaged.shape == single.shape)
        // The heat map everywhere; size and offset where a fly is (elsewhere they mean nothing:
        // an offset of 0 mirrored is 1).
        var worst: Float = 0, flyCells = 0
        for c in 0..<(single.scalars.count / 5) {
            let channels = single.scalars[c * 5] > 0 ? 0..<5 : 0..<1
            if single.scalars[c * 5] > 0 { flyCells += 1 }
            for j in channels { worst = max(worst, abs(averaged.scalars[c * 5 + j] - single.scalars[c * 5 + j])) }
        }
        #expect(flyCells == 2 * Self.boxes.count)
        #expect(worst < 1e-3, "largest difference \(worst) with \(views) views")
    }

    @Test(arguments: DetectorViews.counts)
    func decodedBoxesAreTheDrawnRectangles(views: Int) throws {
        let map = DetectorViews.averagedOutput([Self.photo], count: views, network: Self.network)
        let found = map.withUnsafePointer {
            DetectionDecoder.decode($0, height: map.shape[1], width: map.shape[2], stride: Self.stride, threshold: 0.5)
        }
        #expect(found.count == Self.boxes.count)
        for truth in Self.boxes {
            let best = found.map { $0.box.iou(truth) }.max() ?? 0
            #expect(best > 0.999, "box \(truth) with \(views) views: best IoU \(best)")
        }
    }

    @Test func viewsDisagreeingAboutAFlyHalveItsScore() {
        // Only the identity view sees a fly at one cell: averaged over two views its probability
        // is the mean of sigmoid(4) and sigmoid(-6), not the mean of the logits.
        let group = DetectorViews.views(2)
        var identity = Tensor.zeros([1, 2, 2, 5]), mirrored = Tensor.zeros([1, 2, 2, 5])
        for c in 0..<4 { identity.scalars[c * 5] = -6; mirrored.scalars[c * 5] = -6 }
        identity.scalars[0] = 4
        let merged = DetectorViews.merge([Tensor(shape: [2, 2, 2, 5], scalars: identity.scalars + mirrored.scalars)],
                                         groups: [group], images: 1)
        func sigmoid(_ v: Float) -> Float { 1 / (1 + exp(-v)) }
        let p = (sigmoid(4) + sigmoid(-6)) / 2
        #expect(abs(merged.scalars[0] - log(p / (1 - p))) < 1e-4)
    }

    @Test func viewOrderStartsWithTheInputAndAddsTransposesLast() {
        let all = DetectorViews.views(8)
        #expect(all[0] == Dihedral.identity)
        #expect(all[1] == Dihedral(transpose: false, flipHorizontal: true, flipVertical: false))
        #expect(Set(all.map { "\($0.transpose)\($0.flipHorizontal)\($0.flipVertical)" }).count == 8)
        #expect(all.prefix(4).allSatisfy { !$0.transpose } && all.suffix(4).allSatisfy(\.transpose))
    }
}
