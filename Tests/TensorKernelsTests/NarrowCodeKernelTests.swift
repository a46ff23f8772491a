import CQuantKernels
import Testing
@testable import TensorKernels

/// The kernels' paths for narrow codes (7-bit activations, 6-bit weights) and the element-wise
/// steps written in C: each against a plain Swift statement of the same arithmetic, bit for
/// bit, AVX2 and portable alike.
@Suite(.serialized) struct NarrowCodeKernelTests {
    static func integers<T: FixedWidthInteger>(_ count: Int, in range: ClosedRange<Int>, seed: UInt64) -> [T] {
        IntegerKernelTests.integers(count, in: range, seed: seed)
    }

    /// Requantisation into 7-bit codes (max 127), with a table whose entries stay ≤ 127 — the
    /// form whose table the AVX2 kernels apply with vpshufb.
    static func sevenBitRequantization(channels: Int, seed: UInt64, table: Bool) -> Requantization {
        let full = IntegerKernelTests.requantization(channels: channels, seed: seed, table: false, relu: false)
        var rq = Requantization(bias: full.bias, realMultipliers: (0..<channels).map { Double($0 % 5 + 1) / 4096 },
                                zeroPoint: 40, min: 0, max: 127)
        if table { rq.table = Self.integers(256, in: 0...127, seed: seed + 9) }
        return rq
    }

    @Test func groupsFollowTheSixteenBitBound() {
        #expect(QuantizedGEMM.OperandBounds.full.group == 1)
        #expect(QuantizedGEMM.OperandBounds(activations: 127, weights: 63).group == 2)
        #expect(QuantizedGEMM.OperandBounds(activations: 127, weights: 31).group == 4)
        #expect(QuantizedGEMM.OperandBounds(activations: 255, weights: 31).group == 2)
        // The boundary: 4 · 130 · 63 = 32760 still fits s16, 4 · 131 · 63 = 33012 does not.
        #expect(QuantizedGEMM.OperandBounds(activations: 130, weights: 63).group == 2)
        #expect(QuantizedGEMM.OperandBounds(activations: 131, weights: 63).group == 1)
    }

    @Test(arguments: [(1, 5, 4), (4, 16, 16), (5, 17, 28), (9, 24, 40), (13, 40, 96), (6, 33, 60), (3, 96, 576)])
    func boundedGemmMatchesTheReference(rows: Int, n: Int, k: Int) {
        for (aMax, wMax) in [(127, 63), (127, 31), (255, 31)] {
            let weight: [Int8] = Self.integers(n * k, in: -wMax...wMax, seed: UInt64(n * 7 + k + wMax))
            let lda = QuantizedGEMM.paddedK(k) + 5
            var a: [UInt8] = Self.integers(rows * lda, in: 0...aMax, seed: UInt64(rows + aMax))
            for r in 0..<rows { a[r * lda] = UInt8(aMax) }   // the extremes occur
            let packed = QuantizedGEMM.pack(weight, n: n, k: k)
            var sums = [Int32](repeating: 0, count: rows * n)
            for r in 0..<rows { for o in 0..<n { for p in 0..<k { sums[r * n + o] += Int32(a[r * lda + p]) * Int32(weight[o * k + p]) } } }
            let bounds = QuantizedGEMM.OperandBounds(activations: aMax, weights: wMax)
            for table in [false, true] {
                let rq = aMax == 127 ? Self.sevenBitRequantization(channels: n, seed: UInt64(k), table: table)
                                     : IntegerKernelTests.requantization(channels: n, seed: UInt64(k), table: table, relu: false)
                let expected = (0..<rows * n).map { rq.reference(sums[$0], channel: $0 % n) }
                for portable in [false, true] {
                    QuantizedGEMM.forcePortable(portable)
                    defer { QuantizedGEMM.forcePortable(false) }
                    var out = [UInt8](repeating: 0, count: rows * n)
                    a.withUnsafeBufferPointer { ap in packed.withUnsafeBufferPointer { bp in out.withUnsafeMutableBufferPointer { cp in
                        rq.withUnsafeParameters { p in
                            QuantizedGEMM.multiply(rows: 0..<rows, n: n, k: k, a: ap.baseAddress!, lda: lda, packedB: bp.baseAddress!,
                                                   requantization: p, c: cp.baseAddress!, ldc: n, bounds: bounds)
                        }
                    }}}
                    #expect(out == expected, "a ≤ \(aMax), |w| ≤ \(wMax), table \(table), portable \(portable)")
                }
            }
        }
    }

    @Test func extremeNarrowOperandsDoNotSaturate() {
        // All activations 127 and all weights ±31 (group 4), or ±63 (group 2): the largest
        // 16-bit sums the paired paths form.
        let n = 16, k = 64
        for w in [Int8(31), -31, 63, -63] {
            let weight = [Int8](repeating: w, count: n * k), a = [UInt8](repeating: 127, count: 4 * k)
            let packed = QuantizedGEMM.pack(weight, n: n, k: k)
            let rq = Requantization(bias: [Int32](repeating: 0, count: n), realMultipliers: [Double](repeating: 1.0 / 8192, count: n),
                                    zeroPoint: 64, min: 0, max: 127)
            var out = [UInt8](repeating: 0, count: 4 * n)
            a.withUnsafeBufferPointer { ap in packed.withUnsafeBufferPointer { bp in out.withUnsafeMutableBufferPointer { cp in
                rq.withUnsafeParameters { p in
                    QuantizedGEMM.multiply(rows: 0..<4, n: n, k: k, a: ap.baseAddress!, lda: k, packedB: bp.baseAddress!, requantization: p,
                                           c: cp.baseAddress!, ldc: n, bounds: QuantizedGEMM.OperandBounds(activations: 127, weights: Int(abs(w))))
                }
            }}}
            #expect(out.allSatisfy { $0 == rq.reference(127 * Int32(w) * Int32(k), channel: 0) }, "weight \(w)")
        }
    }

    @Test(arguments: IntegerKernelTests.depthwiseShapes)
    func depthwiseWithASevenBitTableMatchesTheReference(g: ConvGeometry) {
        let c = g.inChannels, taps = g.kernelH * g.kernelW
        let weight: [Int8] = Self.integers(c * taps, in: -127...127, seed: UInt64(c + 3))
        let input: [UInt8] = Self.integers(g.batch * g.inHeight * g.inWidth * c, in: 0...127, seed: UInt64(taps + 3))
        let rq = Self.sevenBitRequantization(channels: c, seed: UInt64(taps), table: true)
        let expected = IntegerKernelTests.depthwiseReference(g, input: input, weight: weight, zeroPoint: 40, requantization: rq)
        for portable in [false, true] {
            QuantizedGEMM.forcePortable(portable)
            defer { QuantizedGEMM.forcePortable(false) }
            let out = IntegerKernelTests.depthwiseKernel(g, input: input, weight: weight, zeroPoint: 40, requantization: rq)
            #expect(out == expected, "\(g), portable \(portable)")
        }
    }

    @Test(arguments: [(3, 5, 16), (2, 7, 37), (1, 9, 576)])
    func gatingMatchesTheReference(batch: Int, pixels: Int, channels: Int) {
        let x: [UInt8] = Self.integers(batch * pixels * channels, in: 0...255, seed: UInt64(channels))
        var gates: [Int32] = Self.integers(batch * channels, in: 0...32768, seed: UInt64(pixels))
        gates[0] = 32768   // 1.0 exactly: the AVX2 path reads it as 32767
        gates[1] = 0
        let z: Int32 = 101
        let expected = x.indices.map { i -> UInt8 in
            let n = i / (pixels * channels), c = i % channels
            let v = z + (((Int32(x[i]) - z) * gates[n * channels + c] + (1 << 14)) >> 15)
            return UInt8(min(max(v, 0), 255))
        }
        for portable in [false, true] {
            QuantizedGEMM.forcePortable(portable)
            defer { QuantizedGEMM.forcePortable(false) }
            var y = x
            y.withUnsafeMutableBufferPointer { yp in gates.withUnsafeBufferPointer { gp in
                QuantizedElementwise.gateChannels(yp.baseAddress!, batch: batch, pixels: pixels, channels: channels, zeroPoint: z, gates: gp.baseAddress!)
            }}
            #expect(y == expected, "portable \(portable)")
        }
    }

    @Test func residualSumsClampToTheCodeWidth() {
        let a: [UInt8] = Self.integers(300, in: 0...127, seed: 4), b: [UInt8] = Self.integers(300, in: 0...127, seed: 5)
        for levels: Int32 in [127, 255] {
            var out = a
            out.withUnsafeMutableBufferPointer { o in b.withUnsafeBufferPointer { bp in
                QuantizedElementwise.addInPlace(o.baseAddress!, bp.baseAddress!, count: 300, zeroPoints: (10, 20, 5),
                                                multipliers: (1 << 12, 3 << 11), shift: 12, levels: levels)
            }}
            let expected = (0..<300).map { i -> UInt8 in
                let sum = (Int32(a[i]) - 10) * (1 << 12) + (Int32(b[i]) - 20) * (3 << 11)
                return UInt8(min(max(5 + ((sum + (1 << 11)) >> 12), 0), levels))
            }
            #expect(out == expected, "levels \(levels)")
            #expect(out.contains(UInt8(levels)), "the clamp is reached, so the test can fail")
        }
    }

    static let im2colShapes: [ConvGeometry] = [
        ConvGeometry(batch: 2, inHeight: 9, inWidth: 8, inChannels: 3, outChannels: 16, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        ConvGeometry(batch: 1, inHeight: 6, inWidth: 7, inChannels: 5, outChannels: 4, kernel: (3, 2), padding: (2, 1), dilation: (2, 2)),
        ConvGeometry(batch: 1, inHeight: 5, inWidth: 5, inChannels: 8, outChannels: 8, kernel: (5, 5), padding: (2, 2)),
        // Rows of taps of 12 and 6 bytes (the 8…16-byte copy and the plain one), 16 at a 1×k kernel.
        ConvGeometry(batch: 1, inHeight: 5, inWidth: 6, inChannels: 4, outChannels: 4, kernel: (3, 3), padding: (1, 1)),
        ConvGeometry(batch: 1, inHeight: 5, inWidth: 6, inChannels: 2, outChannels: 4, kernel: (3, 3), stride: (1, 2), padding: (1, 1)),
        ConvGeometry(batch: 1, inHeight: 4, inWidth: 7, inChannels: 4, outChannels: 4, kernel: (1, 4)),
    ]

    @Test(arguments: im2colShapes)
    func im2colMatchesTheReference(g: ConvGeometry) {
        let input: [UInt8] = Self.integers(g.batch * g.inHeight * g.inWidth * g.inChannels, in: 0...255, seed: UInt64(g.inChannels))
        let ldc = QuantizedGEMM.paddedK(g.patchSize) + 4, zero: UInt8 = 77
        var expected = [UInt8](repeating: 0, count: g.batch * g.outHeight * g.outWidth * ldc)
        for n in 0..<g.batch { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
            let row = ((n * g.outHeight + oy) * g.outWidth + ox) * ldc
            var col = 0
            for ky in 0..<g.kernelH { for kx in 0..<g.kernelW { for ch in 0..<g.inChannels {
                let iy = oy * g.strideH - g.padH + ky * g.dilationH, ix = ox * g.strideW - g.padW + kx * g.dilationW
                let inside = iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth
                expected[row + col] = inside ? input[((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + ch] : zero
                col += 1
            }}}
            for i in col..<ldc { expected[row + i] = zero }
        }}}
        var columns = [UInt8](repeating: 1, count: expected.count)
        input.withUnsafeBufferPointer { ip in columns.withUnsafeMutableBufferPointer {
            QuantizedElementwise.im2col(g, input: ip.baseAddress!, zeroPoint: zero, columns: $0.baseAddress!, ldc: ldc)
        }}
        #expect(columns == expected, "\(g)")
    }
}
