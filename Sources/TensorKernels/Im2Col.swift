/// im2col / col2im for NHWC convolutions, one group at a time.
///
/// The column matrix has one row per output pixel (batch × outHeight × outWidth) and
/// `patchSize = kernelH·kernelW·inChannelsPerGroup` columns ordered (ky, kx, channel), which is
/// the order of an OHWI weight row, so the convolution is `columns · weightᵀ`.
public enum Im2Col {
    /// Fills `columns` (outputPixels × patchSize) from the input channels of `group`.
    public static func im2col(_ g: ConvGeometry, group: Int, input: UnsafePointer<Float>,
                              columns: UnsafeMutablePointer<Float>) {
        let cg = g.inChannelsPerGroup, oh = g.outHeight, ow = g.outWidth
        let channelOffset = group * cg
        let inputP = SendablePointer(input), columnsP = SendablePointer(columns)
        parallelChunks(g.batch * oh, minimumPerThread: 4) { rows in
            for row in rows {
                let n = row / oh, oy = row % oh
                for ox in 0..<ow {
                    var dst = columnsP.base + ((row * ow + ox) * g.patchSize)
                    for ky in 0..<g.kernelH {
                        let iy = oy * g.strideH - g.padH + ky * g.dilationH
                        for kx in 0..<g.kernelW {
                            let ix = ox * g.strideW - g.padW + kx * g.dilationW
                            if iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth {
                                let src = inputP.base + (((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + channelOffset)
                                dst.update(from: src, count: cg)
                            } else {
                                dst.update(repeating: 0, count: cg)
                            }
                            dst += cg
                        }
                    }
                }
            }
        }
    }

    /// Adds the column-matrix gradient back onto the input gradient of `group` (the adjoint
    /// of `im2col`). Parallel over images, so no two threads touch the same input pixel.
    public static func col2imAdd(_ g: ConvGeometry, group: Int, columns: UnsafePointer<Float>,
                                 inputGradient: UnsafeMutablePointer<Float>) {
        let cg = g.inChannelsPerGroup, oh = g.outHeight, ow = g.outWidth
        let channelOffset = group * cg
        let gradP = SendablePointer(inputGradient), columnsP = SendablePointer(columns)
        parallelChunks(g.batch) { images in
            for n in images {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var src = UnsafePointer(columnsP.base) + (((n * oh + oy) * ow + ox) * g.patchSize)
                        for ky in 0..<g.kernelH {
                            let iy = oy * g.strideH - g.padH + ky * g.dilationH
                            for kx in 0..<g.kernelW {
                                let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                if iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth {
                                    let dst = gradP.base + (((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + channelOffset)
                                    for c in 0..<cg { dst[c] += src[c] }
                                }
                                src += cg
                            }
                        }
                    }
                }
            }
        }
    }
}
