import Autograd
import Datasets
import Tensors
import Testing
@testable import Detector

@Suite struct DetectorTests {
    @Test func targetsPutAPeakAtEachCentre() {
        let boxes = [BoundingBox(x: 20, y: 24, width: 96, height: 64), BoundingBox(x: 100, y: 100, width: 16, height: 16)]
        let t = CenterTargets.make(boxes: boxes, outputSize: 16, stride: 8)
        #expect(t.objects == 2)
        // First centre (68, 56) → cell (8, 7), offset (0.5, 0), size (12, 8) in stride units;
        // its Gaussian spreads the peak to the neighbouring cells.
        #expect(t.heatmap.scalars[7 * 16 + 8] == 1)
        #expect(Array(t.box.scalars[(7 * 16 + 8) * 4..<(7 * 16 + 8) * 4 + 4]) == [12, 8, 0.5, 0])
        #expect(t.heatmap.scalars[7 * 16 + 9] < 1 && t.heatmap.scalars[7 * 16 + 9] > 0)
        #expect(t.heatmap.scalars.filter { $0 == 1 }.count == 2)
        #expect(t.boxWeights.scalars.reduce(0, +) == 8)
    }

    @Test func gaussianRadiusFollowsCenterNet() {
        // By hand for a 12 × 8 box at IoU 0.7 (CenterNet's three cases):
        // r1 = (20 + √(400 − 4·96·0.3/1.7)) / 2 ≈ 19.11; r2 = (40 + √(1600 − 16·0.3·96)) / 2 ≈ 37.2;
        // r3 = (−28 + √(784 + 4·2.8·28.8)) / 2 = (−28 + √1106.56) / 2 ≈ 2.633 — the smallest.
        let r = CenterTargets.gaussianRadius(width: 12, height: 8, minimumOverlap: 0.7)
        #expect(abs(r - (-28 + (1106.56 as Double).squareRoot()) / 2) < 1e-9)
        #expect(CenterTargets.gaussianRadius(width: 24, height: 16, minimumOverlap: 0.7) > r)
    }

    @Test func decoderFindsLocalMaximaWithTheirBoxes() {
        let size = 8
        var map = [Float](repeating: -6, count: size * size * 5)
        func set(_ x: Int, _ y: Int, logit: Float, w: Float, h: Float, dx: Float, dy: Float) {
            let i = (y * size + x) * 5
            map[i] = logit; map[i + 1] = w; map[i + 2] = h; map[i + 3] = dx; map[i + 4] = dy
        }
        set(2, 3, logit: 3, w: 4, h: 2, dx: 0.5, dy: 0.25)
        set(3, 3, logit: 1, w: 1, h: 1, dx: 0, dy: 0)          // neighbour of a stronger peak: suppressed
        set(6, 6, logit: 0.5, w: 2, h: 2, dx: 0, dy: 0)        // σ(0.5) = 0.62: kept at threshold 0.5
        set(0, 7, logit: -1, w: 2, h: 2, dx: 0, dy: 0)         // σ(−1) = 0.27: dropped
        let found = map.withUnsafeBufferPointer {
            DetectionDecoder.decode($0.baseAddress!, height: size, width: size, stride: 8, threshold: 0.5)
        }
        #expect(found.count == 2)
        // Centre (2.5, 3.25)·8 = (20, 26), size (32, 16).
        #expect(found[0].box == BoundingBox(x: 4, y: 18, width: 32, height: 16))
        #expect(abs(found[0].score - 0.9526) < 1e-3)
        #expect(found[1].box == BoundingBox(x: 40, y: 40, width: 16, height: 16))
    }

    @Test func modelOutputsTheHeadsAtStrideEight() {
        let detector = FlyDetector(FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 64, neckChannels: 16), seed: 1)
        detector.eval()
        var rng = RandomSource(seed: 2)
        let y = GradientRecording.withoutGradients { detector(Variable(Tensor.normal([1, 64, 64, 3], using: &rng))) }
        #expect(y.shape == [1, 8, 8, 5])
        let initialProbability = 1 / (1 + Float.exp(-y.value.scalars[0]))
        #expect(initialProbability < 0.3, "heat map should start near 0.1")
    }
}

private extension Float {
    static func exp(_ x: Float) -> Float { Float(Foundation.exp(Double(x))) }
}

import Foundation
