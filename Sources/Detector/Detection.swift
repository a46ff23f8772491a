import Datasets
import Foundation
import Tensors

/// One detected fly.
public struct Detection: Sendable, Equatable {
    public var box: BoundingBox
    public var score: Float
}

/// Turns the detector's output map into boxes: local maxima of the heat map (3×3), above a
/// score threshold, each with its regressed size and offset.
public enum DetectionDecoder {
    /// - Parameter output: [H, W, 5] for one image (heat logit, w, h, dx, dy), stride `stride`.
    /// - Returns: boxes in network-input pixels, best first.
    public static func decode(_ output: UnsafePointer<Float>, height: Int, width: Int, stride: Int,
                              threshold: Float, maxDetections: Int = 500) -> [Detection] {
        let logitThreshold = Foundation.log(threshold / (1 - threshold))
        var found: [Detection] = []
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 5
                let v = output[i]
                guard v >= logitThreshold else { continue }
                var isPeak = true
                for dy in -1...1 where isPeak {
                    for dx in -1...1 where dx != 0 || dy != 0 {
                        let nx = x + dx, ny = y + dy
                        guard nx >= 0, ny >= 0, nx < width, ny < height else { continue }
                        let n = output[(ny * width + nx) * 5]
                        // Ties go to the first cell in scan order, so a flat plateau gives one peak.
                        if n > v || (n == v && (ny < y || (ny == y && nx < x))) { isPeak = false; break }
                    }
                }
                guard isPeak else { continue }
                let w = Double(max(output[i + 1], 0)) * Double(stride), h = Double(max(output[i + 2], 0)) * Double(stride)
                let cx = (Double(x) + Double(output[i + 3])) * Double(stride)
                let cy = (Double(y) + Double(output[i + 4])) * Double(stride)
                found.append(Detection(box: BoundingBox(x: cx - w / 2, y: cy - h / 2, width: w, height: h),
                                       score: 1 / (1 + Foundation.exp(-v))))
            }
        }
        found.sort { $0.score > $1.score }
        return Array(found.prefix(maxDetections))
    }
}
