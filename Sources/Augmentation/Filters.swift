import Foundation
import ImageIO

/// Neighbourhood filters. They work on the interleaved rows directly: the same channel of
/// the neighbour to the left is 3 values back, so the inner loops run over a whole row of
/// `width·3` values with constant offsets and vectorise (index arithmetic uses wrapping
/// operators: overflow checks would block that). Edges repeat the border pixels, and all
/// temporaries are a few rows long (whole-image float buffers cost more in page faults than
/// the arithmetic).
enum Filters {
    /// round(v) clamped to 0…255, branch-free: adding 1.5·2²³ leaves the rounded value (ties
    /// to even) in the low mantissa bits. Vectorises, unlike a checked Float → Int conversion.
    @inline(__always)
    static func roundToByte(_ v: Float) -> UInt8 {
        UInt8(truncatingIfNeeded: (Swift.min(Swift.max(v, 0), 255) + 12_582_912).bitPattern)
    }

    /// Bytes the padded copies keep after their end, so 16-byte loads near the end stay inside.
    static let slack = 64

    /// A copy of `image` with `pad` pixels on every side repeating the nearest border pixel:
    /// rows of `(width + 2·pad)·3` bytes, `height + 2·pad` rows, then `slack` zero bytes.
    static func replicatePadded(_ image: RGBImage, pad: Int) -> [UInt8] {
        let w = image.width, h = image.height
        let pw = w + 2 * pad, ph = h + 2 * pad
        let rowBytes = pw * 3
        var out = [UInt8](repeating: 0, count: rowBytes * ph + slack)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for py in 0..<ph {
                    let sy = min(h - 1, max(0, py - pad))
                    let s = sy &* w &* 3
                    let d = py &* rowBytes
                    for x in 0..<pad {
                        let o = d &+ x &* 3
                        dst[o] = src[s]; dst[o &+ 1] = src[s &+ 1]; dst[o &+ 2] = src[s &+ 2]
                    }
                    let rowStart: Int = d &+ pad &* 3
                    let target = UnsafeMutableRawPointer(dst.baseAddress!).advanced(by: rowStart)
                    target.copyMemory(from: UnsafeRawPointer(src.baseAddress!).advanced(by: s), byteCount: w &* 3)
                    let last = s &+ (w &- 1) &* 3
                    for x in (pad + w)..<pw {
                        let o = d &+ x &* 3
                        dst[o] = src[last]; dst[o &+ 1] = src[last &+ 1]; dst[o &+ 2] = src[last &+ 2]
                    }
                }
            }
        }
        return out
    }

    /// Converts padded row `row` (of `count` bytes) to floats at `target`.
    @inline(__always)
    static func convertRow(_ padded: UnsafeBufferPointer<UInt8>, row: Int, count: Int, to target: UnsafeMutablePointer<Float>) {
        let start = row &* count
        for i in 0..<count { target[i] = Float(padded[start &+ i]) }
    }

    /// A 3×3 correlation (kernel[ky·3 + kx] weights the pixel at (x + kx − 1, y + ky − 1)),
    /// all nine taps in one pass over a rolling buffer of three float rows.
    static func convolve3x3(_ image: RGBImage, kernel: [Float]) -> RGBImage {
        precondition(kernel.count == 9)
        let w = image.width, h = image.height
        let padded = replicatePadded(image, pad: 1)
        let rowLength = w * 3, paddedRow = (w + 2) * 3
        let k0 = kernel[0], k1 = kernel[1], k2 = kernel[2], k3 = kernel[3], k4 = kernel[4]
        let k5 = kernel[5], k6 = kernel[6], k7 = kernel[7], k8 = kernel[8]
        var ring = [Float](repeating: 0, count: 3 * paddedRow)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        padded.withUnsafeBufferPointer { src in
            ring.withUnsafeMutableBufferPointer { ringBuffer in
                out.withUnsafeMutableBufferPointer { dst in
                    let rows = ringBuffer.baseAddress!
                    convertRow(src, row: 0, count: paddedRow, to: rows)
                    convertRow(src, row: 1, count: paddedRow, to: rows + paddedRow)
                    for y in 0..<h {
                        // Padded rows y, y+1, y+2 live in ring slots y % 3, (y+1) % 3, (y+2) % 3.
                        convertRow(src, row: y &+ 2, count: paddedRow, to: rows + ((y &+ 2) % 3) &* paddedRow)
                        let a = rows + (y % 3) &* paddedRow
                        let b = rows + ((y &+ 1) % 3) &* paddedRow
                        let c = rows + ((y &+ 2) % 3) &* paddedRow
                        let d = y &* rowLength
                        for i in 0..<rowLength {
                            let top = k0 * a[i] + k1 * a[i &+ 3] + k2 * a[i &+ 6]
                            let middle = k3 * b[i] + k4 * b[i &+ 3] + k5 * b[i &+ 6]
                            let bottom = k6 * c[i] + k7 * c[i &+ 3] + k8 * c[i &+ 6]
                            dst[d &+ i] = roundToByte(top + middle + bottom)
                        }
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// PIL `ImageEnhance.Sharpness`: blend with the SMOOTH filter ([1 1 1; 1 5 1; 1 1 1]/13);
    /// factor 1 is the identity, above 1 sharpens, below 1 softens. The blend is folded into
    /// one 3×3 kernel.
    static func sharpness(_ image: RGBImage, factor: Double) -> RGBImage {
        let f = Float(factor)
        var kernel = [Float](repeating: (1 - f) / 13, count: 9)
        kernel[4] = (1 - f) * 5 / 13 + f
        return convolve3x3(image, kernel: kernel)
    }

    /// Relief lighting from direction θ (radians, x right, y down): v + gain · ∂v/∂θ, with
    /// the derivative from Sobel kernels (each divided by 8, so a unit ramp gives 1).
    static func emboss(_ image: RGBImage, direction: Double, gain: Double) -> RGBImage {
        let c = Float(cos(direction) * gain) / 8, s = Float(sin(direction) * gain) / 8
        // Sobel x: [−1 0 1; −2 0 2; −1 0 1], Sobel y: its transpose.
        let kernel: [Float] = [-c - s, -2 * s, c - s,
                               -2 * c, 1, 2 * c,
                               -c + s, 2 * s, c + s]
        return convolve3x3(image, kernel: kernel)
    }

    /// Sharpens across direction θ only: v − gain · ∂²v/∂θ², where
    /// ∂²/∂θ² = cos²θ ∂xx + 2 sinθ cosθ ∂xy + sin²θ ∂yy (central differences).
    static func directionalSharpen(_ image: RGBImage, direction: Double, gain: Double) -> RGBImage {
        let c = cos(direction), s = sin(direction)
        let xx = Float(c * c * gain), yy = Float(s * s * gain), xy = Float(2 * s * c * gain) / 4
        // ∂xx: [0 0 0; 1 −2 1; 0 0 0]; ∂yy: its transpose; ∂xy: [1 0 −1; 0 0 0; −1 0 1] / 4.
        let kernel: [Float] = [-xy, -yy, xy,
                               -xx, 1 + 2 * xx + 2 * yy, -xx,
                               xy, -yy, -xy]
        return convolve3x3(image, kernel: kernel)
    }

    /// Separable Gaussian blur of standard deviation `sigma` pixels (radius ⌈3σ⌉). The
    /// horizontal pass fills a rolling buffer of 2·radius + 1 float rows from which each
    /// output row is summed vertically; both passes keep eight sums in registers (SIMD8).
    static func gaussianBlur(_ image: RGBImage, sigma: Double) -> RGBImage {
        guard sigma >= 0.05 else { return image }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var weights = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        let taps = weights.count
        let w = image.width, h = image.height
        let padded = replicatePadded(image, pad: radius)
        let rowLength = w * 3, paddedRow = (w + 2 * radius) * 3
        let lanes = 8
        // Row strides with room for the last vector of a row to run past its end.
        let floatRowStride = paddedRow + lanes, ringStride = rowLength + lanes
        var floatRow = [Float](repeating: 0, count: floatRowStride)
        var ring = [Float](repeating: 0, count: taps * ringStride)
        var outRow = [Float](repeating: 0, count: ringStride)
        var slotOffsets = [Int](repeating: 0, count: taps)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        weights.withUnsafeBufferPointer { k in
        padded.withUnsafeBufferPointer { src in
        floatRow.withUnsafeMutableBufferPointer { floatRowBuffer in
        ring.withUnsafeMutableBufferPointer { ringBuffer in
        outRow.withUnsafeMutableBufferPointer { outRowBuffer in
        out.withUnsafeMutableBufferPointer { dst in
        slotOffsets.withUnsafeMutableBufferPointer { slotBytes in
            let rowIn = UnsafeMutableRawPointer(floatRowBuffer.baseAddress!)
            let rows = UnsafeMutableRawPointer(ringBuffer.baseAddress!)
            let sums = UnsafeMutableRawPointer(outRowBuffer.baseAddress!)
            /// Horizontal pass of padded row `py` into ring slot py % taps.
            func horizontal(_ py: Int) {
                convertRow(src, row: py, count: paddedRow, to: floatRowBuffer.baseAddress!)
                let slot = (py % taps) &* ringStride
                var i = 0
                while i < rowLength {
                    var sum = SIMD8<Float>()
                    for t in 0..<taps {
                        sum += k[t] * rowIn.loadUnaligned(fromByteOffset: (t &* 3 &+ i) &* 4, as: SIMD8<Float>.self)
                    }
                    rows.storeBytes(of: sum, toByteOffset: (slot &+ i) &* 4, as: SIMD8<Float>.self)
                    i &+= lanes
                }
            }
            for py in 0..<(taps - 1) { horizontal(py) }
            for y in 0..<h {
                horizontal(y &+ taps &- 1)
                // Output row y sums padded rows y … y + taps − 1: byte offsets of their slots.
                for t in 0..<taps { slotBytes[t] = ((y &+ t) % taps) &* ringStride &* 4 }
                var i = 0
                while i < rowLength {
                    var sum = SIMD8<Float>()
                    for t in 0..<taps {
                        sum += k[t] * rows.loadUnaligned(fromByteOffset: slotBytes[t] &+ i &* 4, as: SIMD8<Float>.self)
                    }
                    sums.storeBytes(of: sum, toByteOffset: i &* 4, as: SIMD8<Float>.self)
                    i &+= lanes
                }
                let d = y &* rowLength
                for i in 0..<rowLength { dst[d &+ i] = roundToByte(outRowBuffer[i]) }
            }
        }
        }
        }
        }
        }
        }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// The mean of `length` pixels along a line through each pixel in direction θ
    /// (offsets rounded to whole pixels).
    static func motionBlur(_ image: RGBImage, length: Int, direction: Double) -> RGBImage {
        guard length > 1 else { return image }
        let c = cos(direction), s = sin(direction)
        let half = Double(length - 1) / 2
        let offsets = (0..<length).map { j -> (Int, Int) in
            let t = Double(j) - half
            return (Int((t * c).rounded()), Int((t * s).rounded()))
        }
        let pad = offsets.reduce(0) { max($0, abs($1.0), abs($1.1)) }
        let w = image.width, h = image.height
        let padded = replicatePadded(image, pad: pad)
        let rowLength = w * 3, paddedRow = (w + 2 * pad) * 3
        let scale = 1 / Float(length)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        var accumulator = [Float](repeating: 0, count: rowLength)
        padded.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                accumulator.withUnsafeMutableBufferPointer { acc in
                    for y in 0..<h {
                        for i in 0..<rowLength { acc[i] = 0 }
                        for (dx, dy) in offsets {
                            let base = (y &+ pad &+ dy) &* paddedRow &+ (pad &+ dx) &* 3
                            for i in 0..<rowLength { acc[i] += Float(src[base &+ i]) }
                        }
                        let d = y &* rowLength
                        for i in 0..<rowLength { dst[d &+ i] = roundToByte(acc[i] * scale) }
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// 3×3 median per channel, blended with the original: v + weight · (median − v).
    /// Sixteen values at a time with the 19-exchange median-of-9 network.
    static func median3x3(_ image: RGBImage, weight: Double) -> RGBImage {
        let w = image.width, h = image.height
        let padded = replicatePadded(image, pad: 1)
        let rowLength = w * 3, paddedRow = (w + 2) * 3
        var out = [UInt8](repeating: 0, count: w * h * 3 + 16)
        padded.withUnsafeBufferPointer { srcBuffer in
            out.withUnsafeMutableBufferPointer { dstBuffer in
                let src = UnsafeRawPointer(srcBuffer.baseAddress!)
                let dst = UnsafeMutableRawPointer(dstBuffer.baseAddress!)
                for y in 0..<h {
                    let r0 = y &* paddedRow, r1 = r0 &+ paddedRow, r2 = r1 &+ paddedRow
                    var i = 0
                    while i < rowLength {
                        // Loads past the row end read the next row or the slack; those lanes
                        // are overwritten by the next row or dropped with the 16 spare bytes.
                        let at = i
                        @inline(__always) func load(_ offset: Int) -> SIMD16<UInt8> {
                            src.loadUnaligned(fromByteOffset: offset &+ at, as: SIMD16<UInt8>.self)
                        }
                        var p0 = load(r0), p1 = load(r0 &+ 3), p2 = load(r0 &+ 6)
                        var p3 = load(r1), p4 = load(r1 &+ 3), p5 = load(r1 &+ 6)
                        var p6 = load(r2), p7 = load(r2 &+ 3), p8 = load(r2 &+ 6)
                        // (`replacing(with:where:)` becomes pminub/pmaxub; pointwiseMin does not.)
                        @inline(__always) func sort(_ a: inout SIMD16<UInt8>, _ b: inout SIMD16<UInt8>) {
                            let swap = b .< a
                            let lo = a.replacing(with: b, where: swap)
                            b = b.replacing(with: a, where: swap)
                            a = lo
                        }
                        sort(&p1, &p2); sort(&p4, &p5); sort(&p7, &p8)
                        sort(&p0, &p1); sort(&p3, &p4); sort(&p6, &p7)
                        sort(&p1, &p2); sort(&p4, &p5); sort(&p7, &p8)
                        sort(&p0, &p3); sort(&p5, &p8); sort(&p4, &p7)
                        sort(&p3, &p6); sort(&p1, &p4); sort(&p2, &p5)
                        sort(&p4, &p7); sort(&p4, &p2); sort(&p6, &p4)
                        sort(&p4, &p2)
                        dst.storeBytes(of: p4, toByteOffset: y &* rowLength &+ i, as: SIMD16<UInt8>.self)
                        i &+= 16
                    }
                }
            }
        }
        out.removeLast(16)
        let blend = Int(min(256, max(0, (weight * 256).rounded())))
        if blend < 256 {
            image.pixels.withUnsafeBufferPointer { original in
                out.withUnsafeMutableBufferPointer { p in
                    for i in 0..<p.count {
                        p[i] = UInt8(truncatingIfNeeded: (Int(original[i]) &* (256 &- blend) &+ Int(p[i]) &* blend &+ 128) &>> 8)
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
