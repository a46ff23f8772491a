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
        FusedConvolution.depthwise(g, input: input, tapMajorWeight: tapMajorWeight, bias: bias, activation: .identity,
                                   output: output)
    }

    /// Overwrites each non-nil gradient.
    ///
    /// Input gradient as a gather (each input pixel sums the output gradients whose windows
    /// cover it), so threads own disjoint outputs and channels vectorise; weight gradient with
    /// per-thread tap-major accumulators.
    public static func backward(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?,
                                weightGradient: UnsafeMutablePointer<Float>?) {
        let c = g.inChannels, oh = g.outHeight, ow = g.outWidth, taps = g.kernelH * g.kernelW
        let inP = SendablePointer(input), goP = SendablePointer(outputGradient)
        if let inputGradient {
            let w = tapMajor(g, weight)
            let giP = SendablePointer(inputGradient)
            w.withUnsafeBufferPointer { wb in
                let wP = SendablePointer(wb.baseAddress!)
                parallelChunks(g.batch * g.inHeight, minimumPerThread: 2) { rows in
                    let go = UnsafePointer(goP.base), wt = UnsafePointer(wP.base)
                    for row in rows {
                        let n = row / g.inHeight, iy = row % g.inHeight
                        for ix in 0..<g.inWidth {
                            let dst = giP.base + (row * g.inWidth + ix) * c
                            var cb = 0
                            while cb + 8 <= c {
                                var acc: SIMD8<Float> = .zero
                                for ky in 0..<g.kernelH {
                                    let ty = iy + g.padH - ky * g.dilationH
                                    guard ty >= 0, ty % g.strideH == 0 else { continue }
                                    let oy = ty / g.strideH
                                    guard oy < oh else { continue }
                                    for kx in 0..<g.kernelW {
                                        let tx = ix + g.padW - kx * g.dilationW
                                        guard tx >= 0, tx % g.strideW == 0 else { continue }
                                        let ox = tx / g.strideW
                                        guard ox < ow else { continue }
                                        acc.addProduct(load8(go + ((n * oh + oy) * ow + ox) * c + cb),
                                                       load8(wt + (ky * g.kernelW + kx) * c + cb))
                                    }
                                }
                                store8(acc, dst + cb)
                                cb += 8
                            }
                            while cb < c {
                                var acc: Float = 0
                                for ky in 0..<g.kernelH {
                                    let ty = iy + g.padH - ky * g.dilationH
                                    guard ty >= 0, ty % g.strideH == 0, ty / g.strideH < oh else { continue }
                                    for kx in 0..<g.kernelW {
                                        let tx = ix + g.padW - kx * g.dilationW
                                        guard tx >= 0, tx % g.strideW == 0, tx / g.strideW < ow else { continue }
                                        acc += go[((n * oh + ty / g.strideH) * ow + tx / g.strideW) * c + cb]
                                            * wt[(ky * g.kernelW + kx) * c + cb]
                                    }
                                }
                                dst[cb] = acc
                                cb += 1
                            }
                        }
                    }
                }
            }
        }
        if let weightGradient {
            let rowsTotal = g.batch * oh
            let threads = max(1, min(EngineThreads.count, rowsTotal))
            var partial = [Float](repeating: 0, count: threads * taps * c)
            partial.withUnsafeMutableBufferPointer { pb in
                let pP = SendablePointer(pb.baseAddress!)
                parallelChunks(threads) { ts in
                    let go = UnsafePointer(goP.base), x = UnsafePointer(inP.base)
                    for t in ts {
                        let acc = pP.base + t * taps * c
                        for row in (rowsTotal * t / threads)..<(rowsTotal * (t + 1) / threads) {
                            let n = row / oh, oy = row % oh
                            for ox in 0..<ow {
                                let gRow = go + (row * ow + ox) * c
                                for ky in 0..<g.kernelH {
                                    let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                    guard iy >= 0 && iy < g.inHeight else { continue }
                                    for kx in 0..<g.kernelW {
                                        let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                        guard ix >= 0 && ix < g.inWidth else { continue }
                                        let src = x + ((n * g.inHeight + iy) * g.inWidth + ix) * c
                                        let a = acc + (ky * g.kernelW + kx) * c
                                        var ch = 0
                                        while ch + 8 <= c {
                                            var v = load8(a + ch)
                                            v.addProduct(load8(gRow + ch), load8(src + ch))
                                            store8(v, a + ch)
                                            ch += 8
                                        }
                                        while ch < c { a[ch] += gRow[ch] * src[ch]; ch += 1 }
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
