import CQuantKernels

/// uint8 activations × int8 weights → int32, on the integer kernels (AVX2, NEON or portable C).
/// Weights are packed once ([N/16][K/4][16][4]); they must lie in [−63, 63] (see the C header).
public enum QuantizedGEMM {
    /// Largest weight magnitude these kernels take.
    public static let weightLimit: Int8 = 63

    /// Whether the AVX2 kernels are in use (false on other CPUs or when forced portable).
    public static var usesAVX2: Bool { fly_quant_uses_avx2() != 0 }
    /// Whether the NEON kernels are in use (64-bit Arm, unless forced portable).
    public static var usesNEON: Bool { fly_quant_uses_neon() != 0 }

    /// Forces the portable kernels (tests compare both); not for concurrent use.
    public static func forcePortable(_ portable: Bool) { fly_quant_force_portable(portable ? 1 : 0) }

    /// Packs [n, k] row-major int8 weights (row = output channel).
    public static func pack(_ weight: [Int8], n: Int, k: Int) -> [Int8] {
        precondition(weight.count == n * k, "weight has \(weight.count) values, expected \(n)×\(k)")
        precondition(weight.allSatisfy { abs(Int($0)) <= Int(weightLimit) }, "weights must lie in [-63, 63]")
        var packed = [Int8](repeating: 0, count: Int(fly_qgemm_packed_size(Int32(n), Int32(k))))
        weight.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBufferPointer { fly_qgemm_pack(w.baseAddress, Int32(n), Int32(k), $0.baseAddress) }
        }
        return packed
    }

    /// Columns of A the kernels read per row: k rounded up to 4.
    public static func paddedK(_ k: Int) -> Int { (k + 3) / 4 * 4 }

    /// Rows `rows` of C = requantise(A · B). A: [rows, lda] uint8 with lda ≥ paddedK(k).
    /// `bounds`: the caller guarantees every A value read is ≤ `activations` and every
    /// |weight| ≤ `weights`; narrower operands let the AVX2 kernel sum several k-steps before
    /// widening (see the C header). The results are the same.
    public static func multiply(rows: Range<Int>, n: Int, k: Int, a: UnsafePointer<UInt8>, lda: Int,
                                packedB: UnsafePointer<Int8>, requantization: UnsafePointer<fly_requant>,
                                c: UnsafeMutablePointer<UInt8>, ldc: Int, bounds: OperandBounds = .full) {
        fly_qgemm_bounded_requant(Int32(rows.lowerBound), Int32(rows.upperBound), Int32(n), Int32(k), a, Int32(lda),
                                  packedB, requantization, c, Int32(ldc), Int32(bounds.activations), Int32(bounds.weights))
    }

    /// Largest activation code and largest |weight| of a product.
    public struct OperandBounds: Sendable, Equatable {
        public var activations: Int, weights: Int
        public init(activations: Int, weights: Int) {
            precondition((0...255).contains(activations) && (0...Int(QuantizedGEMM.weightLimit)).contains(weights), "bounds outside u8 × [-63, 63]")
            self.activations = activations
            self.weights = weights
        }
        /// Any u8 activation, any weight the kernels take.
        public static let full = OperandBounds(activations: 255, weights: Int(QuantizedGEMM.weightLimit))
        /// k-steps the AVX2 kernel sums per widening for these bounds (1, 2 or 4).
        public var group: Int { Int(fly_qgemm_group(Int32(activations), Int32(weights))) }
    }

    /// Rows `rows` of C = A · B as raw int32 sums.
    public static func multiply(rows: Range<Int>, n: Int, k: Int, a: UnsafePointer<UInt8>, lda: Int,
                                packedB: UnsafePointer<Int8>, c: UnsafeMutablePointer<Int32>, ldc: Int) {
        fly_qgemm_u8s8_s32(Int32(rows.lowerBound), Int32(rows.upperBound), Int32(n), Int32(k), a, Int32(lda),
                           packedB, c, Int32(ldc))
    }

    /// Σ_k w[o, k] per output channel (for the zero-point correction −z_a·Σw).
    public static func rowSums(_ weight: [Int8], n: Int, k: Int) -> [Int32] {
        (0..<n).map { o in (0..<k).reduce(Int32(0)) { $0 + Int32(weight[o * k + $1]) } }
    }
}

/// Depthwise convolution of uint8 NHWC tensors with int8 weights, requantised in the epilogue.
public enum QuantizedDepthwise {
    /// Largest kernel the C kernels handle (their tap list has 64 entries).
    public static let maximumTaps = 63

    static func cGeometry(_ g: ConvGeometry) -> fly_dw_geometry {
        fly_dw_geometry(batch: Int32(g.batch), in_height: Int32(g.inHeight), in_width: Int32(g.inWidth),
                        channels: Int32(g.inChannels), out_height: Int32(g.outHeight), out_width: Int32(g.outWidth),
                        kernel_h: Int32(g.kernelH), kernel_w: Int32(g.kernelW), stride_h: Int32(g.strideH),
                        stride_w: Int32(g.strideW), pad_h: Int32(g.padH), pad_w: Int32(g.padW),
                        dilation_h: Int32(g.dilationH), dilation_w: Int32(g.dilationW))
    }

    /// Packs OHWI int8 weights [C, KH, KW, 1] (values in [−127, 127]) into tap pairs.
    public static func pack(_ weight: [Int8], geometry g: ConvGeometry) -> [Int16] {
        precondition(g.isDepthwise && g.kernelH * g.kernelW <= maximumTaps, "not a depthwise convolution the kernels take: \(g)")
        precondition(weight.count == g.inChannels * g.kernelH * g.kernelW, "weight count does not match \(g)")
        var cg = cGeometry(g)
        var packed = [Int16](repeating: 0, count: Int(fly_qdepthwise_packed_size(&cg)))
        weight.withUnsafeBufferPointer { w in packed.withUnsafeMutableBufferPointer { fly_qdepthwise_pack(&cg, w.baseAddress, $0.baseAddress) } }
        return packed
    }

    /// Output rows `rows` (of batch·outHeight). `zeroRow` holds `channels` copies of the input
    /// zero point; the requantisation bias must include −z_in·Σ_taps w.
    public static func forward(_ g: ConvGeometry, rows: Range<Int>, input: UnsafePointer<UInt8>, packedWeight: UnsafePointer<Int16>,
                               zeroRow: UnsafePointer<UInt8>, requantization: UnsafePointer<fly_requant>,
                               output: UnsafeMutablePointer<UInt8>) {
        var cg = cGeometry(g)
        fly_qdepthwise_u8(&cg, Int32(rows.lowerBound), Int32(rows.upperBound), input, packedWeight, zeroRow, requantization, output)
    }
}
