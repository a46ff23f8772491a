/// Obviously-correct scalar twins of the fast kernels, for comparison tests only.
public enum Reference {
    /// Direct convolution, NHWC input, OHWI weight; accumulates in Double.
    public static func convolution(_ g: ConvGeometry, input: [Float], weight: [Float], bias: [Float]?) -> [Float] {
        var out = [Float](repeating: 0, count: g.outputCount)
        let cg = g.inChannelsPerGroup, og = g.outChannelsPerGroup
        for n in 0..<g.batch {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    for o in 0..<g.outChannels {
                        let group = o / og
                        var sum = Double(bias?[o] ?? 0)
                        for ky in 0..<g.kernelH {
                            for kx in 0..<g.kernelW {
                                let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                guard iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth else { continue }
                                for ci in 0..<cg {
                                    let xv = input[((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + group * cg + ci]
                                    let wv = weight[((o * g.kernelH + ky) * g.kernelW + kx) * cg + ci]
                                    sum += Double(xv) * Double(wv)
                                }
                            }
                        }
                        out[((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + o] = Float(sum)
                    }
                }
            }
        }
        return out
    }
}
