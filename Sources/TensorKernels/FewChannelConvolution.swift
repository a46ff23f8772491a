/// Direct convolution for layers with few input channels: the MobileNetV3 stem (3 → 16
/// channels, 3×3, stride 2). Through im2col + GEMM the stem writes and reads a patch matrix
/// nine times the size of the image (27 columns, one thread), then multiplies it by a matrix
/// of only 16 columns, which BLAS runs far below peak: 3.8 ms, 15 GFLOP/s and 22 % of the
/// backbone at 512 px (`flytally bench engine --inputs 512 --layers --layers-batch 1`). Here
/// every output pixel keeps its channels in registers across all taps, and rows of output
/// pixels are split over the threads.
public enum FewChannelConvolution {
    /// One group, at most 4 input channels, output channels a multiple of 16 (MobileNetV3's
    /// stem has 16 in both sizes), not 1×1.
    public static func applies(to g: ConvGeometry) -> Bool {
        g.groups == 1 && g.inChannels <= 4 && g.outChannels % 16 == 0 && !(g.kernelH == 1 && g.kernelW == 1)
    }

    /// The OHWI weights reordered tap-major with output channels innermost ([KH·KW·C, O]),
    /// the layout `forward` reads: one vector load per tap and block of eight outputs.
    public static func tapMajor(_ g: ConvGeometry, _ weight: UnsafePointer<Float>) -> [Float] {
        let oc = g.outChannels, patch = g.patchSize
        var reordered = [Float](repeating: 0, count: patch * oc)
        for o in 0..<oc { for p in 0..<patch { reordered[p * oc + o] = weight[o * patch + p] } }
        return reordered
    }

    /// output = activation(conv(input, weight) + bias), the weights from `tapMajor`. Allocates
    /// nothing (compiled plans run allocation-free once warm).
    public static func forward(_ g: ConvGeometry, input: UnsafePointer<Float>, tapMajorWeight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>, activation: Elementwise.Activation,
                               output: UnsafeMutablePointer<Float>) {
        precondition(applies(to: g), "FewChannelConvolution does not apply to \(g)")
        let oh = g.outHeight, ow = g.outWidth
        // Output columns whose taps all fall inside the image: these run four pixels at a time.
        let interiorStart = min(ow, (g.padW + g.strideW - 1) / g.strideW)
        let lastInterior = (g.inWidth - 1 + g.padW - (g.kernelW - 1) * g.dilationW)
        let interiorEnd = lastInterior < 0 ? interiorStart : max(interiorStart, min(ow, lastInterior / g.strideW + 1))
        let inP = SendablePointer(input), wP = SendablePointer(tapMajorWeight), bP = SendablePointer(bias), outP = SendablePointer(output)
        parallelChunks(g.batch * oh, minimumPerThread: 2) { rows in
            let input = UnsafePointer(inP.base), weight = UnsafePointer(wP.base), bias = UnsafePointer(bP.base)
            for row in rows {
                let n = row / oh, oy = row % oh
                let (iy0, kernelRows) = g.kernelRows(forOutputRow: oy)
                let rowOut = outP.base + row * ow * g.outChannels
                var ox = 0
                while ox < interiorStart { onePixel(g, input, weight, bias, activation, n, iy0, kernelRows, ox, rowOut); ox += 1 }
                while ox + 4 <= interiorEnd {
                    fourPixels(g, input, weight, bias, activation, n, iy0, kernelRows, ox, rowOut)
                    ox += 4
                }
                while ox < ow { onePixel(g, input, weight, bias, activation, n, iy0, kernelRows, ox, rowOut); ox += 1 }
            }
        }
    }

    /// Four neighbouring output pixels whose taps are all inside the image horizontally,
    /// sixteen channels at a time: eight independent multiply-add chains, each input value
    /// broadcast once and used for both halves of the block.
    @inline(__always)
    private static func fourPixels(_ g: ConvGeometry, _ input: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                   _ bias: UnsafePointer<Float>, _ activation: Elementwise.Activation,
                                   _ n: Int, _ iy0: Int, _ kernelRows: Range<Int>, _ ox: Int, _ rowOut: UnsafeMutablePointer<Float>) {
        let cin = g.inChannels, oc = g.outChannels
        let step = g.strideW * cin, ix0 = ox * g.strideW - g.padW
        var cb = 0
        while cb < oc {
            let b = load8(bias + cb), b2 = load8(bias + cb + 8)
            var a0 = b, a1 = b, a2 = b, a3 = b, c0 = b2, c1 = b2, c2 = b2, c3 = b2
            for ky in kernelRows {
                let inRow = input + ((n * g.inHeight + iy0 + ky * g.dilationH) * g.inWidth + ix0) * cin
                for kx in 0..<g.kernelW {
                    let x = inRow + kx * g.dilationW * cin
                    let w = weight + ((ky * g.kernelW + kx) * cin) * oc + cb
                    for c in 0..<cin {
                        let wc = load8(w + c * oc), wd = load8(w + c * oc + 8)
                        let x0 = SIMD8(repeating: x[c]), x1 = SIMD8(repeating: x[step + c])
                        let x2 = SIMD8(repeating: x[2 * step + c]), x3 = SIMD8(repeating: x[3 * step + c])
                        a0.addProduct(x0, wc); c0.addProduct(x0, wd)
                        a1.addProduct(x1, wc); c1.addProduct(x1, wd)
                        a2.addProduct(x2, wc); c2.addProduct(x2, wd)
                        a3.addProduct(x3, wc); c3.addProduct(x3, wd)
                    }
                }
            }
            store8(activation.apply(a0), rowOut + ox * oc + cb); store8(activation.apply(c0), rowOut + ox * oc + cb + 8)
            store8(activation.apply(a1), rowOut + (ox + 1) * oc + cb); store8(activation.apply(c1), rowOut + (ox + 1) * oc + cb + 8)
            store8(activation.apply(a2), rowOut + (ox + 2) * oc + cb); store8(activation.apply(c2), rowOut + (ox + 2) * oc + cb + 8)
            store8(activation.apply(a3), rowOut + (ox + 3) * oc + cb); store8(activation.apply(c3), rowOut + (ox + 3) * oc + cb + 8)
            cb += 16
        }
    }

    /// One output pixel, taps outside the image skipped (the borders).
    @inline(__always)
    private static func onePixel(_ g: ConvGeometry, _ input: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                 _ bias: UnsafePointer<Float>, _ activation: Elementwise.Activation,
                                 _ n: Int, _ iy0: Int, _ kernelRows: Range<Int>, _ ox: Int, _ rowOut: UnsafeMutablePointer<Float>) {
        let cin = g.inChannels, oc = g.outChannels
        let (ix0, kernelColumns) = g.kernelColumns(forOutputColumn: ox)
        var cb = 0
        while cb < oc {
            var a = load8(bias + cb)
            for ky in kernelRows {
                let inRow = input + ((n * g.inHeight + iy0 + ky * g.dilationH) * g.inWidth) * cin
                for kx in kernelColumns {
                    let x = inRow + (ix0 + kx * g.dilationW) * cin
                    let w = weight + ((ky * g.kernelW + kx) * cin) * oc + cb
                    for c in 0..<cin { a.addProduct(SIMD8(repeating: x[c]), load8(w + c * oc)) }
                }
            }
            store8(activation.apply(a), rowOut + ox * oc + cb)
            cb += 8
        }
    }
}
