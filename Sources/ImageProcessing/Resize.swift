import Dispatch
import Foundation
import ImageIO

extension RGBImage {
    /// Resamples to `width`×`height`. Each axis is treated on its own: when it grows the
    /// filter is bilinear (pixel centres aligned, as PIL/OpenCV with align_corners=false);
    /// when it shrinks each output pixel is the exact area average of the source pixels it
    /// covers, so no detail aliases. Equal size returns the image unchanged.
    public func resized(width outWidth: Int, height outHeight: Int) -> RGBImage {
        // Large photos (the detector's letterbox of a 2–24 MP photo) split the rows over the
        // cores; small images stay on the calling thread (callers may already run in parallel).
        let parts = width * height >= 1_000_000 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        return resized(width: outWidth, height: outHeight, parts: parts)
    }

    /// The resize with its rows split into `parts` concurrent pieces (same result for any split).
    func resized(width outWidth: Int, height outHeight: Int, parts: Int) -> RGBImage {
        precondition(outWidth > 0 && outHeight > 0, "resize target \(outWidth)x\(outHeight) must be positive")
        precondition(!isEmpty, "cannot resize an empty image")
        if outWidth == width && outHeight == height { return self }
        if outWidth < width && outHeight < height { return shrunk(width: outWidth, height: outHeight, parts: parts) }
        return twoPassResized(width: outWidth, height: outHeight, parts: parts)
    }

    /// Both axes shrink (the detector's letterbox of a photo): for each output row the source
    /// rows it covers are summed, weighted, into one float row (contiguous bytes, vectorised),
    /// then that row is averaged across. The source is read once and no full-height
    /// intermediate exists (13 MB of floats for a 7-MP photo in the two-pass order, written and
    /// read again). The same area averages as `twoPassResized`, summed in another order: bytes
    /// differ by at most one where a value sits at a rounding boundary.
    func shrunk(width outWidth: Int, height outHeight: Int, parts: Int) -> RGBImage {
        let columns = AxisWeights(from: width, to: outWidth)
        let rows = AxisWeights(from: height, to: outHeight)
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        let sourceRowLength = width * 3
        pixels.withUnsafeBufferPointer { srcBuffer in
            out.withUnsafeMutableBufferPointer { dstBuffer in
                nonisolated(unsafe) let src = srcBuffer.baseAddress!, dst = dstBuffer.baseAddress!
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: sourceRowLength)
                    defer { accumulator.deallocate() }
                    for o in (outHeight * part / parts)..<(outHeight * (part + 1) / parts) {
                        accumulator.initialize(repeating: 0, count: sourceRowLength)
                        var sourceRow = rows.first[o]
                        for k in rows.range(o) {
                            let w = rows.weights[k], row = src + sourceRow * sourceRowLength
                            for i in 0..<sourceRowLength { accumulator[i] += w * Float(row[i]) }
                            sourceRow += 1
                        }
                        let dstRow = dst + o * outWidth * 3
                        for x in 0..<outWidth {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            var s = columns.first[x] * 3
                            for k in columns.range(x) {
                                let w = columns.weights[k]
                                r += w * accumulator[s]; g += w * accumulator[s + 1]; b += w * accumulator[s + 2]
                                s += 3
                            }
                            dstRow[x * 3] = clampToByte(r); dstRow[x * 3 + 1] = clampToByte(g); dstRow[x * 3 + 2] = clampToByte(b)
                        }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: out)
    }

    /// Horizontal pass into floats, then vertical pass to bytes: any mix of growing and
    /// shrinking axes.
    func twoPassResized(width outWidth: Int, height outHeight: Int, parts: Int) -> RGBImage {
        let columns = AxisWeights(from: width, to: outWidth)
        let rows = AxisWeights(from: height, to: outHeight)

        // Horizontal pass into floats (height × outWidth × 3), then vertical pass to bytes.
        var horizontal = [Float](repeating: 0, count: height * outWidth * 3)
        pixels.withUnsafeBufferPointer { srcBuffer in
            horizontal.withUnsafeMutableBufferPointer { dstBuffer in
                nonisolated(unsafe) let src = srcBuffer, dst = dstBuffer
                let width = self.width, height = self.height
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    for y in (height * part / parts)..<(height * (part + 1) / parts) {
                        let srcRow = y * width * 3, dstRow = y * outWidth * 3
                        for o in 0..<outWidth {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            var s = srcRow + columns.first[o] * 3
                            for k in columns.range(o) {
                                let w = columns.weights[k]
                                r += w * Float(src[s]); g += w * Float(src[s + 1]); b += w * Float(src[s + 2])
                                s += 3
                            }
                            dst[dstRow + o * 3] = r; dst[dstRow + o * 3 + 1] = g; dst[dstRow + o * 3 + 2] = b
                        }
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        let rowLength = outWidth * 3
        horizontal.withUnsafeBufferPointer { srcBuffer in
            out.withUnsafeMutableBufferPointer { dstBuffer in
                nonisolated(unsafe) let src = srcBuffer, dst = dstBuffer
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    var accumulator = [Float](repeating: 0, count: rowLength)
                    for o in (outHeight * part / parts)..<(outHeight * (part + 1) / parts) {
                        for i in 0..<rowLength { accumulator[i] = 0 }
                        var sourceRow = rows.first[o]
                        for k in rows.range(o) {
                            let w = rows.weights[k]
                            let base = sourceRow * rowLength
                            for i in 0..<rowLength { accumulator[i] += w * src[base + i] }
                            sourceRow += 1
                        }
                        let base = o * rowLength
                        for i in 0..<rowLength { dst[base + i] = clampToByte(accumulator[i]) }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: out)
    }

    /// Scales so the longer side becomes `maxSide` (keeping the aspect ratio); images already
    /// that small are returned unchanged.
    public func resized(maxSide: Int) -> RGBImage {
        let longer = max(width, height)
        guard longer > maxSide else { return self }
        let scale = Double(maxSide) / Double(longer)
        return resized(width: max(1, Int((Double(width) * scale).rounded())),
                       height: max(1, Int((Double(height) * scale).rounded())))
    }
}

@inline(__always)
func clampToByte(_ value: Float) -> UInt8 {
    UInt8(max(0, min(255, value.rounded())))
}

/// For each output index along one axis: the first source index and the weights of the
/// consecutive source pixels that contribute (weights sum to 1).
struct AxisWeights {
    var first: [Int] = []
    var offsets: [Int] = [0]     // weights of output o are weights[offsets[o] ..< offsets[o + 1]]
    var weights: [Float] = []

    init(from inCount: Int, to outCount: Int) {
        let scale = Double(inCount) / Double(outCount)   // source pixels per output pixel
        for o in 0..<outCount {
            if scale > 1 {
                // Area average over the source interval [lo, hi).
                let lo = Double(o) * scale, hi = min(Double(o + 1) * scale, Double(inCount))
                let start = Int(lo), end = min(Int(hi.rounded(.up)), inCount)
                first.append(start)
                for i in start..<end {
                    let covered = min(hi, Double(i + 1)) - max(lo, Double(i))
                    weights.append(Float(covered / scale))
                }
            } else {
                // Bilinear between the two source centres around the output centre.
                let centre = min(max((Double(o) + 0.5) * scale - 0.5, 0), Double(inCount - 1))
                let i0 = Int(centre)
                let fraction = centre - Double(i0)
                first.append(i0)
                weights.append(Float(1 - fraction))
                if i0 + 1 < inCount { weights.append(Float(fraction)) }
            }
            offsets.append(weights.count)
        }
    }

    @inline(__always)
    func range(_ o: Int) -> Range<Int> { offsets[o]..<offsets[o + 1] }
}
