/// Depthwise convolution (one filter per channel), NHWC, any kernel, stride, padding and
/// dilation. Channels are the innermost, contiguous axis, so every inner loop runs over
/// channels and vectorises.
public enum Depthwise {
    /// OHWI weights [C, KH, KW, 1] → tap-major [KH·KW, C], so one tap's weights are contiguous.
    public static func tapMajor(_ g: ConvGeometry, _ weight: UnsafePointer<Float>) -> [Float] {
        let taps = g.kernelH * g.kernelW, c = g.inChannels
        var out = [Float](repeating: 0, count: taps * c)
        for ch in 0..<c { for t in 0..<taps { out[t * c + ch] = weight[ch * taps + t] } }
        return out
    }

    public static func forward(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let w = tapMajor(g, weight)
        w.withUnsafeBufferPointer { wb in
            forward(g, input: input, tapMajorWeight: wb.baseAddress!, bias: bias, output: output)
        }
    }

    /// Forward with weights already in tap-major order (inference plans pack them once).
    public static func forward(_ g: ConvGeometry, input: UnsafePointer<Float>, tapMajorWeight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let c = g.inChannels, oh = g.outHeight, ow = g.outWidth
        let inP = SendablePointer(input), wP = SendablePointer(tapMajorWeight), outP = SendablePointer(output)
        let biasP = bias.map { SendablePointer($0) }
        parallelChunks(g.batch * oh, minimumPerThread: 2) { rows in
            for row in rows {
                let n = row / oh, oy = row % oh
                for ox in 0..<ow {
                    let dst = outP.base + ((row * ow + ox) * c)
                    if let biasP { dst.update(from: biasP.base, count: c) } else { dst.update(repeating: 0, count: c) }
                    for ky in 0..<g.kernelH {
                        let iy = oy * g.strideH - g.padH + ky * g.dilationH
                        guard iy >= 0 && iy < g.inHeight else { continue }
                        for kx in 0..<g.kernelW {
                            let ix = ox * g.strideW - g.padW + kx * g.dilationW
                            guard ix >= 0 && ix < g.inWidth else { continue }
                            let src = UnsafePointer(inP.base) + (((n * g.inHeight + iy) * g.inWidth + ix) * c)
                            let wt = UnsafePointer(wP.base) + ((ky * g.kernelW + kx) * c)
                            for ch in 0..<c { dst[ch] += src[ch] * wt[ch] }
                        }
                    }
                }
            }
        }
    }

    /// Overwrites each non-nil gradient.
    public static func backward(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?,
                                weightGradient: UnsafeMutablePointer<Float>?) {
        let c = g.inChannels, oh = g.outHeight, ow = g.outWidth, taps = g.kernelH * g.kernelW
        let inP = SendablePointer(input), goP = SendablePointer(outputGradient)
        if let inputGradient {
            inputGradient.update(repeating: 0, count: g.inputCount)
            let w = tapMajor(g, weight)
            let giP = SendablePointer(inputGradient)
            w.withUnsafeBufferPointer { wb in
                let wP = SendablePointer(wb.baseAddress!)
                // Parallel over images: scattered adds of one image never meet another's.
                parallelChunks(g.batch) { images in
                    for n in images {
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                let go = UnsafePointer(goP.base) + (((n * oh + oy) * ow + ox) * c)
                                for ky in 0..<g.kernelH {
                                    let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                    guard iy >= 0 && iy < g.inHeight else { continue }
                                    for kx in 0..<g.kernelW {
                                        let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                        guard ix >= 0 && ix < g.inWidth else { continue }
                                        let gi = giP.base + (((n * g.inHeight + iy) * g.inWidth + ix) * c)
                                        let wt = UnsafePointer(wP.base) + ((ky * g.kernelW + kx) * c)
                                        for ch in 0..<c { gi[ch] += go[ch] * wt[ch] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let weightGradient {
            // Per-thread partial sums over output rows, tap-major, then reduced and transposed.
            let threads = max(1, min(EngineThreads.count, g.batch * oh))
            var partial = [Float](repeating: 0, count: threads * taps * c)
            let rowsTotal = g.batch * oh
            partial.withUnsafeMutableBufferPointer { pb in
                let pP = SendablePointer(pb.baseAddress!)
                parallelChunks(threads) { ts in
                    for t in ts {
                        let acc = pP.base + t * taps * c
                        for row in (rowsTotal * t / threads)..<(rowsTotal * (t + 1) / threads) {
                            let n = row / oh, oy = row % oh
                            for ox in 0..<ow {
                                let go = UnsafePointer(goP.base) + ((row * ow + ox) * c)
                                for ky in 0..<g.kernelH {
                                    let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                    guard iy >= 0 && iy < g.inHeight else { continue }
                                    for kx in 0..<g.kernelW {
                                        let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                        guard ix >= 0 && ix < g.inWidth else { continue }
                                        let src = UnsafePointer(inP.base) + (((n * g.inHeight + iy) * g.inWidth + ix) * c)
                                        let a = acc + (ky * g.kernelW + kx) * c
                                        for ch in 0..<c { a[ch] += go[ch] * src[ch] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for ch in 0..<c {
                for t in 0..<taps {
                    var sum: Float = 0
                    for th in 0..<threads { sum += partial[(th * taps + t) * c + ch] }
                    weightGradient[ch * taps + t] = sum
                }
            }
        }
    }
}
