import CQuantKernels

/// Element-wise integer operations between the int8 plan's convolutions (NHWC uint8).
public enum QuantizedElementwise {
    /// q = clamp(round(x / scale) + zeroPoint, 0, levels) — the float boundary of a plan's input
    /// (levels 255, or 127 for 7-bit activations); ties to even, which vectorises.
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, scale: Float, zeroPoint: Int32, levels: Int32 = 255,
                                output: UnsafeMutablePointer<UInt8>) {
        let inverse = 1 / scale, z = Float(zeroPoint), top = Float(levels)
        let xP = SendablePointer(x), oP = SendablePointer(output)
        parallelChunks(count, minimumPerThread: 1 << 15) { range in
            for i in range { oP.base[i] = UInt8(min(max((xP.base[i] * inverse).rounded(.toNearestOrEven) + z, 0), top)) }
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
    /// + 2^(shift−1)) >> shift, 0, levels), the m in fixed point with `shift` fractional bits.
    public static func addInPlace(_ a: UnsafeMutablePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int,
                                  zeroPoints: (a: Int32, b: Int32, out: Int32), multipliers: (a: Int32, b: Int32), shift: Int32,
                                  levels: Int32 = 255) {
        fly_qadd_u8(a, b, Int64(count), zeroPoints.a, zeroPoints.b, zeroPoints.out, multipliers.a, multipliers.b, shift, levels)
    }

    /// im2col for uint8 NHWC input (groups = 1): one row of `ldc` bytes per output pixel,
    /// columns ordered (ky, kx, channel) like OHWI weights, padding filled with `zeroPoint`.
    public static func im2col(_ g: ConvGeometry, input: UnsafePointer<UInt8>, zeroPoint: UInt8,
                              columns: UnsafeMutablePointer<UInt8>, ldc: Int) {
        precondition(g.groups == 1 && ldc >= g.patchSize, "im2col needs a dense convolution and ldc ≥ the patch")
        let cg = QuantizedDepthwise.cGeometry(g)
        let inP = SendablePointer(input), colP = SendablePointer(columns)
        parallelChunks(g.batch * g.outHeight, minimumPerThread: 4) { rows in
            var geometry = cg   // each worker passes its own copy
            fly_im2col_u8(&geometry, Int32(rows.lowerBound), Int32(rows.upperBound), inP.base, zeroPoint, colP.base, Int32(ldc))
        }
    }
}
