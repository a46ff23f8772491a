/// Pooling and resampling kernels, NHWC.
public enum Pooling {
    /// out[n, c] = mean over H·W of x[n, :, :, c].
    public static func globalAveragePool(_ x: UnsafePointer<Float>, batch: Int, pixels: Int, channels c: Int,
                                         output: UnsafeMutablePointer<Float>) {
        let xP = SendablePointer(x), oP = SendablePointer(output)
        parallelChunks(batch) { images in
            for n in images {
                let out = oP.base + n * c
                out.update(repeating: 0, count: c)
                for p in 0..<pixels {
                    let row = xP.base + (n * pixels + p) * c
                    for ch in 0..<c { out[ch] += row[ch] }
                }
                let inv = 1 / Float(pixels)
                for ch in 0..<c { out[ch] *= inv }
            }
        }
    }

    /// dx[n, p, c] = dy[n, c] / pixels.
    public static func globalAveragePoolBackward(_ dy: UnsafePointer<Float>, batch: Int, pixels: Int, channels c: Int,
                                                 inputGradient: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(pixels)
        for n in 0..<batch {
            for p in 0..<pixels {
                let dst = inputGradient + (n * pixels + p) * c
                for ch in 0..<c { dst[ch] = dy[n * c + ch] * inv }
            }
        }
    }

    /// Max pooling with a k×k window, stride s, symmetric zero-free padding p (padded cells
    /// never win). `argmax` (optional) receives the flat input index of each winner.
    public static func maxPool(_ x: UnsafePointer<Float>, batch: Int, height h: Int, width w: Int, channels c: Int,
                               kernel k: Int, stride s: Int, padding p: Int,
                               output: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?) {
        let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
        for n in 0..<batch {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let o = ((n * oh + oy) * ow + ox) * c
                    for ch in 0..<c {
                        var best = -Float.infinity, bestIndex = -1
                        for ky in 0..<k {
                            let iy = oy * s - p + ky
                            guard iy >= 0 && iy < h else { continue }
                            for kx in 0..<k {
                                let ix = ox * s - p + kx
                                guard ix >= 0 && ix < w else { continue }
                                let i = ((n * h + iy) * w + ix) * c + ch
                                // NaN propagates, as in PyTorch.
                                if x[i] > best || x[i].isNaN || bestIndex < 0 { best = x[i]; bestIndex = i }
                                if best.isNaN { break }
                            }
                        }
                        output[o + ch] = best
                        argmax?[o + ch] = Int32(bestIndex)
                    }
                }
            }
        }
    }

    /// Nearest-neighbour 2× upsampling: out[n, y, x, c] = in[n, y/2, x/2, c].
    public static func upsampleNearest2x(_ x: UnsafePointer<Float>, batch: Int, height h: Int, width w: Int, channels c: Int,
                                         output: UnsafeMutablePointer<Float>) {
        for n in 0..<batch {
            for y in 0..<(2 * h) {
                for xx in 0..<(2 * w) {
                    (output + ((n * 2 * h + y) * 2 * w + xx) * c).update(from: x + ((n * h + y / 2) * w + xx / 2) * c, count: c)
                }
            }
        }
    }

    /// Adjoint of `upsampleNearest2x`: each input cell receives the sum of its four copies.
    public static func upsampleNearest2xBackward(_ dy: UnsafePointer<Float>, batch: Int, height h: Int, width w: Int,
                                                 channels c: Int, inputGradient: UnsafeMutablePointer<Float>) {
        inputGradient.update(repeating: 0, count: batch * h * w * c)
        for n in 0..<batch {
            for y in 0..<(2 * h) {
                for xx in 0..<(2 * w) {
                    let src = dy + ((n * 2 * h + y) * 2 * w + xx) * c
                    let dst = inputGradient + ((n * h + y / 2) * w + xx / 2) * c
                    for ch in 0..<c { dst[ch] += src[ch] }
                }
            }
        }
    }

    /// Source taps of 2× bilinear upsampling along one axis (align_corners = false, as
    /// PyTorch's `Upsample(scale_factor=2, mode="bilinear")`): output o samples input
    /// position (o + 0.5)/2 − 0.5, clamped at 0.
    @inline(__always)
    static func bilinearTaps(_ o: Int, size: Int) -> (Int, Int, Float) {
        let position = max(0, (Float(o) + 0.5) * 0.5 - 0.5)
        let i0 = min(Int(position), size - 1)
        let i1 = min(i0 + 1, size - 1)
        return (i0, i1, position - Float(i0))
    }

    public static func upsampleBilinear2x(_ x: UnsafePointer<Float>, batch: Int, height h: Int, width w: Int, channels c: Int,
                                          output: UnsafeMutablePointer<Float>) {
        for n in 0..<batch {
            for y in 0..<(2 * h) {
                let (y0, y1, fy) = bilinearTaps(y, size: h)
                for xx in 0..<(2 * w) {
                    let (x0, x1, fx) = bilinearTaps(xx, size: w)
                    let o = output + ((n * 2 * h + y) * 2 * w + xx) * c
                    let a = x + ((n * h + y0) * w + x0) * c, b = x + ((n * h + y0) * w + x1) * c
                    let d = x + ((n * h + y1) * w + x0) * c, e = x + ((n * h + y1) * w + x1) * c
                    for ch in 0..<c {
                        o[ch] = (a[ch] * (1 - fx) + b[ch] * fx) * (1 - fy) + (d[ch] * (1 - fx) + e[ch] * fx) * fy
                    }
                }
            }
        }
    }

    public static func upsampleBilinear2xBackward(_ dy: UnsafePointer<Float>, batch: Int, height h: Int, width w: Int,
                                                  channels c: Int, inputGradient: UnsafeMutablePointer<Float>) {
        inputGradient.update(repeating: 0, count: batch * h * w * c)
        for n in 0..<batch {
            for y in 0..<(2 * h) {
                let (y0, y1, fy) = bilinearTaps(y, size: h)
                for xx in 0..<(2 * w) {
                    let (x0, x1, fx) = bilinearTaps(xx, size: w)
                    let g = dy + ((n * 2 * h + y) * 2 * w + xx) * c
                    let a = inputGradient + ((n * h + y0) * w + x0) * c, b = inputGradient + ((n * h + y0) * w + x1) * c
                    let d = inputGradient + ((n * h + y1) * w + x0) * c, e = inputGradient + ((n * h + y1) * w + x1) * c
                    for ch in 0..<c {
                        a[ch] += g[ch] * (1 - fx) * (1 - fy)
                        b[ch] += g[ch] * fx * (1 - fy)
                        d[ch] += g[ch] * (1 - fx) * fy
                        e[ch] += g[ch] * fx * fy
                    }
                }
            }
        }
    }
}
