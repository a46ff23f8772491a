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
        for n in 0..<batch {
            let sums = output + n * channels
            sums.update(repeating: 0, count: channels)
            var p = x + n * pixels * channels
            for _ in 0..<pixels {
                for c in 0..<channels { sums[c] &+= Int32(p[c]) }
                p += channels
            }
        }
    }

    /// Gates channels in place: q' = z + ((q − z)·g + 2¹⁴) >> 15 with g = gates[n, c] in Q15
    /// (0…32768); the tensor keeps its scale and zero point.
    public static func gateChannels(_ x: UnsafeMutablePointer<UInt8>, batch: Int, pixels: Int, channels: Int, zeroPoint: Int32,
                                    gates: UnsafePointer<Int32>) {
        let xP = SendablePointer(x), gP = SendablePointer(gates)
        parallelChunks(batch * pixels, minimumPerThread: 64) { rows in
            for row in rows {
                let n = row / pixels
                let p = xP.base + row * channels, g = gP.base + n * channels
                for c in 0..<channels {
                    let v = zeroPoint &+ (((Int32(p[c]) &- zeroPoint) &* g[c] &+ (1 << 14)) >> 15)
                    p[c] = UInt8(min(max(v, 0), 255))
                }
            }
        }
    }

    /// Residual sum requantised into `a` in place: a = clamp(z_o + ((a − z_a)·m_a + (b − z_b)·m_b
    /// + 2^(shift−1)) >> shift), the m in fixed point with `shift` fractional bits.
    public static func addInPlace(_ a: UnsafeMutablePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int,
                                  zeroPoints: (a: Int32, b: Int32, out: Int32), multipliers: (a: Int32, b: Int32), shift: Int32) {
        let aP = SendablePointer(a), bP = SendablePointer(b)
        let rounding: Int32 = 1 << (shift - 1)
        parallelChunks(count, minimumPerThread: 1 << 14) { range in
            for i in range {
                let sum = (Int32(aP.base[i]) &- zeroPoints.a) &* multipliers.a &+ (Int32(bP.base[i]) &- zeroPoints.b) &* multipliers.b
                aP.base[i] = UInt8(min(max(zeroPoints.out &+ ((sum &+ rounding) >> shift), 0), 255))
            }
        }
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
                                dst.update(from: inP.base + ((n * g.inHeight + iy) * g.inWidth + ix) * c, count: c)
                            } else {
                                dst.update(repeating: zeroPoint, count: c)
                            }
                            dst += c
                        }
                    }
                    (start + g.patchSize).update(repeating: zeroPoint, count: ldc - g.patchSize)
                }
            }
        }
    }
}
