/// Inference convolutions with bias and activation fused into the same pass (batch norm is
/// folded into the weights beforehand), for compiled inference plans.
public enum FusedConvolution {
    /// Floats of scratch space `forward` needs.
    public static func scratchCount(_ g: ConvGeometry) -> Int { Convolution.scratchCount(g) }

    /// output = activation(conv(input, weight) + bias). Depthwise convolutions need the
    /// weights in tap-major order (`Depthwise.tapMajor`), all others OHWI.
    public static func forward(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, activation: Elementwise.Activation,
                               output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>?) {
        if g.isDepthwise {
            depthwise(g, input: input, tapMajorWeight: weight, bias: bias, activation: activation, output: output)
            return
        }
        let m = g.outputPixels, og = g.outChannelsPerGroup, k = g.patchSize
        if g.isPointwise || g.groups == 1 {
            let a: UnsafePointer<Float>
            if g.isPointwise {
                a = input
            } else {
                guard let scratch else { preconditionFailure("convolution \(g) needs scratch") }
                Im2Col.im2col(g, group: 0, input: input, columns: scratch)
                a = UnsafePointer(scratch)
            }
            // Row blocks: each worker multiplies its rows, then applies bias and activation
            // while they are still in cache.
            let aP = SendablePointer(a), wP = SendablePointer(weight), oP = SendablePointer(output)
            let bP = bias.map { SendablePointer($0) }
            let minimumRows = max(1, (1 << 16) / max(1, g.outChannels * k))
            parallelChunks(m, minimumPerThread: minimumRows) { rows in
                GEMM.blas(false, true, rows.count, g.outChannels, k, 1, UnsafePointer(aP.base) + rows.lowerBound * k, k,
                          UnsafePointer(wP.base), k, 0, oP.base + rows.lowerBound * g.outChannels, g.outChannels)
                Elementwise.biasActivation(oP.base, rows: rows, columns: g.outChannels, ldc: g.outChannels,
                                           bias: bP.map { UnsafePointer($0.base) }, activation: activation)
            }
            return
        }
        guard let scratch else { preconditionFailure("convolution \(g) needs scratch") }
        for group in 0..<g.groups {
            Im2Col.im2col(g, group: group, input: input, columns: scratch)
            GEMM.sgemm(transB: true, m: m, n: og, k: k, a: scratch, lda: k, b: weight + group * og * k, ldb: k,
                       c: output + group * og, ldc: g.outChannels)
        }
        Elementwise.biasActivation(output, rows: 0..<m, columns: g.outChannels, ldc: g.outChannels, bias: bias,
                                   activation: activation)
    }

    /// Depthwise k×k with bias and activation: channels in blocks of eight held in registers
    /// across all taps, so each output is stored once.
    public static func depthwise(_ g: ConvGeometry, input: UnsafePointer<Float>, tapMajorWeight: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>?, activation: Elementwise.Activation,
                                 output: UnsafeMutablePointer<Float>) {
        let c = g.inChannels, oh = g.outHeight, ow = g.outWidth
        let inP = SendablePointer(input), wP = SendablePointer(tapMajorWeight), outP = SendablePointer(output)
        let biasP = bias.map { SendablePointer($0) }
        parallelChunks(g.batch * oh, minimumPerThread: 2) { rows in
            let input = UnsafePointer(inP.base), weight = UnsafePointer(wP.base)
            let bias = biasP.map { UnsafePointer($0.base) }
            for row in rows {
                let n = row / oh, oy = row % oh
                let (iy0, kernelRows) = g.kernelRows(forOutputRow: oy)
                for ox in 0..<ow {
                    let (ix0, kernelColumns) = g.kernelColumns(forOutputColumn: ox)
                    let dst = outP.base + (row * ow + ox) * c
                    var cb = 0
                    // 32 channels at a time: four independent accumulators hide the latency of
                    // the multiply-add chain across taps (one accumulator stalls on it).
                    while cb + 32 <= c {
                        var a0: SIMD8<Float> = .zero, a1: SIMD8<Float> = .zero, a2: SIMD8<Float> = .zero, a3: SIMD8<Float> = .zero
                        if let bias { a0 = load8(bias + cb); a1 = load8(bias + cb + 8); a2 = load8(bias + cb + 16); a3 = load8(bias + cb + 24) }
                        for ky in kernelRows {
                            let iy = iy0 + ky * g.dilationH
                            let inRow = input + ((n * g.inHeight + iy) * g.inWidth) * c + cb
                            let wRow = weight + (ky * g.kernelW) * c + cb
                            for kx in kernelColumns {
                                let x = inRow + (ix0 + kx * g.dilationW) * c, wt = wRow + kx * c
                                a0.addProduct(load8(x), load8(wt))
                                a1.addProduct(load8(x + 8), load8(wt + 8))
                                a2.addProduct(load8(x + 16), load8(wt + 16))
                                a3.addProduct(load8(x + 24), load8(wt + 24))
                            }
                        }
                        store8(activation.apply(a0), dst + cb)
                        store8(activation.apply(a1), dst + cb + 8)
                        store8(activation.apply(a2), dst + cb + 16)
                        store8(activation.apply(a3), dst + cb + 24)
                        cb += 32
                    }
                    while cb + 8 <= c {
                        var acc = bias.map { load8($0 + cb) } ?? .zero
                        for ky in kernelRows {
                            let iy = iy0 + ky * g.dilationH
                            let inRow = input + ((n * g.inHeight + iy) * g.inWidth) * c + cb
                            let wRow = weight + (ky * g.kernelW) * c + cb
                            for kx in kernelColumns {
                                let ix = ix0 + kx * g.dilationW
                                acc.addProduct(load8(inRow + ix * c), load8(wRow + kx * c))
                            }
                        }
                        store8(activation.apply(acc), dst + cb)
                        cb += 8
                    }
                    while cb < c {
                        var acc = bias?[cb] ?? 0
                        for ky in kernelRows {
                            let iy = iy0 + ky * g.dilationH
                            for kx in kernelColumns {
                                let ix = ix0 + kx * g.dilationW
                                acc += input[((n * g.inHeight + iy) * g.inWidth + ix) * c + cb]
                                    * weight[(ky * g.kernelW + kx) * c + cb]
                            }
                        }
                        dst[cb] = activation.apply(acc)
                        cb += 1
                    }
                }
            }
        }
    }
}
