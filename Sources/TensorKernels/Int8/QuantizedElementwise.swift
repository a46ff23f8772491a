import CQuantKernels

/// Element-wise integer operations between the int8 plan's convolutions (NHWC uint8).
public enum QuantizedElementwise {
    /// q = clamp(round(x / scale) + zeroPoint, 0, 255) — the float boundary of a plan's input.
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, scale: Float, zeroPoint: Int32,
                                output: UnsafeMutablePointer<UInt8>) {
        let inverse = 1 / scale, z = Float(zeroPoint)
        let xP = SendablePointer(x), oP = SendablePointer(output)
        parallelChunks(count, minimumPerThread: 1 << 15) { range in
            for i in range { oP.base[i] = UInt8(min(max((xP.base[i] * inverse).rounded() + z, 0), 255)) }
        }
    }

    /// Sum over pixels per image and channel of [batch, pixels, channels] → [batch, channels].
    public static func channelSums(_ x: UnsafePointer<UInt8>, batch: Int, pixels: Int, channels: Int,
                                   output: UnsafeMutablePointer<Int32>) {
        fly_channel_sums_u8(x, Int32(batch), Int32(pixels), Int32(channels), output)
    }

    /// Gates channels in place: q' = z + ((q − z)·g + 2¹⁴) >> 15 with g = gates[n, c] in Q15
    /// (0…32768); the tensor keeps its scale and zero point.
    public static func gateChannels(_ x: UnsafeMutablePointer<UInt8>, batch: Int, pixels: Int, channels: Int, zeroPoint: Int32,
                                    gates: UnsafePointer<Int32>) {
        fly_qgate_u8(x, Int32(batch), Int32(pixels), Int32(channels), zeroPoint, gates)
    }

    /// Residual sum requantised into `a` in place: a = clamp(z_o + ((a − z_a)·m_a + (b − z_b)·m_b
    /// + 2^(shift−1)) >> shift), the m in fixed point with `shift` fractional bits.
    public static func addInPlace(_ a: UnsafeMutablePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int,
                                  zeroPoints: (a: Int32, b: Int32, out: Int32), multipliers: (a: Int32, b: Int32), shift: Int32) {
        fly_qadd_u8(a, b, Int64(count), zeroPoints.a, zeroPoints.b, zeroPoints.out, multipliers.a, multipliers.b, shift)
    }

    /// im2col for uint8 NHWC input (groups = 1): one row of `ldc` bytes per output pixel,
    /// columns ordered (ky, kx, channel) like OHWI weights, padding filled with `zeroPoint`.
    public static func im2col(_ g: ConvGeometry, input: UnsafePointer<UInt8>, zeroPoint: UInt8,
                              columns: UnsafeMutablePointer<UInt8>, ldc: Int) {
        let c = g.inChannels, oh = g.outHeight, ow = g.outWidth
        let inP = SendablePointer(input), colP = SendablePointer(columns)
        parallelChunks(g.batch * oh, minimumPerThread: 4) { rows in
            for row in rows {
                let n = row / oh, oy = row % oh
                for ox in 0..<ow {
                    let start = colP.base + (row * ow + ox) * ldc
                    var dst = start
                    for ky in 0..<g.kernelH {
                        let iy = oy * g.strideH - g.padH + ky * g.dilationH
                        for kx in 0..<g.kernelW {
                            let ix = ox * g.strideW - g.padW + kx * g.dilationW
                            if iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth {
                                let src = inP.base + ((n * g.inHeight + iy) * g.inWidth + ix) * c
                                for i in 0..<c { dst[i] = src[i] }   // c is 3 for the stem: a call costs more
                            } else {
                                for i in 0..<c { dst[i] = zeroPoint }
                            }
                            dst += c
                        }
                    }
                    for i in g.patchSize..<ldc { start[i] = zeroPoint }
                }
            }
        }
    }
}
