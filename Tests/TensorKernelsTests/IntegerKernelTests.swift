import Testing
@testable import TensorKernels

/// The int8 kernels (AVX2 and portable C) against a plain Swift statement of the same
/// arithmetic: equal bit for bit, over odd shapes, every activation clamp, tables, and
/// accumulators large enough to exercise the fixed-point rounding.
@Suite(.serialized) struct IntegerKernelTests {
    /// Deterministic pseudo-random integers in `range`.
    static func integers<T: FixedWidthInteger>(_ count: Int, in range: ClosedRange<Int>, seed: UInt64) -> [T] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return T(range.lowerBound + Int((state >> 33) % UInt64(range.count)))
        }
    }

    static func requantization(channels: Int, seed: UInt64, table: Bool, relu: Bool) -> Requantization {
        let bias: [Int32] = integers(channels, in: -40_000...40_000, seed: seed)
        // Multipliers from 2⁻¹⁴ to 4: right shifts, no shift, and left shifts.
        let exponents: [Int32] = integers(channels, in: -14...2, seed: seed + 1)
        let mantissas: [Int32] = integers(channels, in: 500...999, seed: seed + 2)
        let reals = zip(exponents, mantissas).map { Double($1) / 1000 * Double(sign: .plus, exponent: Int($0), significand: 1) }
        let lut: [UInt8]? = table ? integers(256, in: 0...255, seed: seed + 3) : nil
        return Requantization(bias: bias, realMultipliers: reals, zeroPoint: 37, min: relu ? 37 : 0, max: 255, table: lut)
    }

    @Test func fixedPointMultipliersRepresentTheRealValue() {
        for real in [1e-9, 0.000_123, 0.25, 0.5, 0.999_999_999_9, 1.0, 3.7] {
            let (m, s) = Requantization.fixedPoint(real)
            #expect(m >= 1 << 30 || real < 1e-8)
            let back = Double(m) / 2_147_483_648 * Double(sign: .plus, exponent: -Int(s), significand: 1)
            #expect(abs(back - real) <= real * 1e-9 || (real < 5e-10 && m == 0))
        }
        #expect(Requantization.fixedPoint(0) == (0, 0))
    }

    @Test(arguments: [(1, 3, 4), (4, 8, 8), (5, 17, 27), (9, 16, 64), (13, 40, 96), (3, 1024, 576), (7, 12, 1280)])
    func gemmMatchesTheReference(rows: Int, n: Int, k: Int) {
        let weight: [Int8] = Self.integers(n * k, in: -63...63, seed: UInt64(n * 31 + k))
        let lda = QuantizedGEMM.paddedK(k) + 3
        let a: [UInt8] = Self.integers(rows * lda, in: 0...255, seed: UInt64(rows + 7))
        let packed = QuantizedGEMM.pack(weight, n: n, k: k)
        // Reference int32 sums (only the first k columns count: padded weights are zero).
        var expected = [Int32](repeating: 0, count: rows * n)
        for r in 0..<rows { for o in 0..<n { for p in 0..<k { expected[r * n + o] += Int32(a[r * lda + p]) * Int32(weight[o * k + p]) } } }
        for portable in [false, true] {
            QuantizedGEMM.forcePortable(portable)
            defer { QuantizedGEMM.forcePortable(false) }
            var sums = [Int32](repeating: -1, count: rows * n)
            a.withUnsafeBufferPointer { ap in packed.withUnsafeBufferPointer { bp in sums.withUnsafeMutableBufferPointer { cp in
                QuantizedGEMM.multiply(rows: 0..<rows, n: n, k: k, a: ap.baseAddress!, lda: lda, packedB: bp.baseAddress!,
                                       c: cp.baseAddress!, ldc: n)
            }}}
            #expect(sums == expected, "int32 sums, portable: \(portable)")
            for (table, relu) in [(false, false), (false, true), (true, false)] {
                let rq = Self.requantization(channels: n, seed: UInt64(k), table: table, relu: relu)
                var out = [UInt8](repeating: 0, count: rows * n)
                a.withUnsafeBufferPointer { ap in packed.withUnsafeBufferPointer { bp in out.withUnsafeMutableBufferPointer { cp in
                    rq.withUnsafeParameters { p in
                        QuantizedGEMM.multiply(rows: 0..<rows, n: n, k: k, a: ap.baseAddress!, lda: lda, packedB: bp.baseAddress!,
                                               requantization: p, c: cp.baseAddress!, ldc: n)
                    }
                }}}
                let reference = (0..<rows * n).map { rq.reference(expected[$0], channel: $0 % n) }
                #expect(out == reference, "requantised, portable: \(portable), table: \(table), relu: \(relu)")
            }
        }
    }

    @Test func extremeWeightsAndActivationsDoNotSaturate() {
        // All activations 255 and all weights ±63: the worst case for vpmaddubsw's 16-bit pairs.
        let n = 16, k = 64
        for w in [Int8(63), -63] {
            let weight = [Int8](repeating: w, count: n * k)
            let a = [UInt8](repeating: 255, count: 4 * k)
            let packed = QuantizedGEMM.pack(weight, n: n, k: k)
            var sums = [Int32](repeating: 0, count: 4 * n)
            a.withUnsafeBufferPointer { ap in packed.withUnsafeBufferPointer { bp in sums.withUnsafeMutableBufferPointer { cp in
                QuantizedGEMM.multiply(rows: 0..<4, n: n, k: k, a: ap.baseAddress!, lda: k, packedB: bp.baseAddress!, c: cp.baseAddress!, ldc: n)
            }}}
            #expect(sums.allSatisfy { $0 == 255 * Int32(w) * Int32(k) })
        }
    }

    static let depthwiseShapes: [ConvGeometry] = [
        ConvGeometry(batch: 2, inHeight: 7, inWidth: 9, inChannels: 16, outChannels: 16, kernel: (3, 3), padding: (1, 1), groups: 16),
        ConvGeometry(batch: 1, inHeight: 11, inWidth: 10, inChannels: 72, outChannels: 72, kernel: (3, 3), stride: (2, 2),
                     padding: (1, 1), groups: 72),
        ConvGeometry(batch: 1, inHeight: 9, inWidth: 9, inChannels: 45, outChannels: 45, kernel: (5, 5), stride: (2, 2),
                     padding: (2, 2), groups: 45),
        ConvGeometry(batch: 2, inHeight: 6, inWidth: 5, inChannels: 96, outChannels: 96, kernel: (5, 5), padding: (4, 4),
                     dilation: (2, 2), groups: 96),
    ]

    /// The depthwise convolution written out: taps outside the input read `zeroPoint`.
    static func depthwiseReference(_ g: ConvGeometry, input: [UInt8], weight: [Int8], zeroPoint: UInt8, requantization rq: Requantization) -> [UInt8] {
        let c = g.inChannels, taps = g.kernelH * g.kernelW
        var expected = [UInt8](repeating: 0, count: g.batch * g.outHeight * g.outWidth * c)
        for n in 0..<g.batch { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth { for ch in 0..<c {
            var acc: Int32 = 0
            for ky in 0..<g.kernelH { for kx in 0..<g.kernelW {
                let iy = oy * g.strideH - g.padH + ky * g.dilationH, ix = ox * g.strideW - g.padW + kx * g.dilationW
                let x = (iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth)
                    ? input[((n * g.inHeight + iy) * g.inWidth + ix) * c + ch] : zeroPoint
                acc += Int32(x) * Int32(weight[ch * taps + ky * g.kernelW + kx])
            }}
            expected[((n * g.outHeight + oy) * g.outWidth + ox) * c + ch] = rq.reference(acc, channel: ch)
        }}}}
        return expected
    }

    /// The kernel's output for the same operands (whichever kernel `forcePortable` selects).
    static func depthwiseKernel(_ g: ConvGeometry, input: [UInt8], weight: [Int8], zeroPoint: UInt8, requantization rq: Requantization) -> [UInt8] {
        let packed = QuantizedDepthwise.pack(weight, geometry: g)
        let zeroRow = [UInt8](repeating: zeroPoint, count: g.inChannels)
        var out = [UInt8](repeating: 0, count: g.batch * g.outHeight * g.outWidth * g.inChannels)
        input.withUnsafeBufferPointer { ip in packed.withUnsafeBufferPointer { wp in zeroRow.withUnsafeBufferPointer { zp in
            out.withUnsafeMutableBufferPointer { op in
                rq.withUnsafeParameters { p in
                    QuantizedDepthwise.forward(g, rows: 0..<(g.batch * g.outHeight), input: ip.baseAddress!, packedWeight: wp.baseAddress!,
                                               zeroRow: zp.baseAddress!, requantization: p, output: op.baseAddress!)
                }
            }
        }}}
        return out
    }

    @Test(arguments: depthwiseShapes)
    func depthwiseMatchesTheReference(g: ConvGeometry) {
        let c = g.inChannels, taps = g.kernelH * g.kernelW
        let weight: [Int8] = Self.integers(c * taps, in: -127...127, seed: UInt64(c))
        let input: [UInt8] = Self.integers(g.batch * g.inHeight * g.inWidth * c, in: 0...255, seed: UInt64(taps))
        for (table, relu) in [(false, false), (true, false), (false, true)] {
            let rq = Self.requantization(channels: c, seed: UInt64(c + taps), table: table, relu: relu)
            let expected = Self.depthwiseReference(g, input: input, weight: weight, zeroPoint: 91, requantization: rq)
            for portable in [false, true] {
                QuantizedGEMM.forcePortable(portable)
                defer { QuantizedGEMM.forcePortable(false) }
                let out = Self.depthwiseKernel(g, input: input, weight: weight, zeroPoint: 91, requantization: rq)
                #expect(out == expected, "\(g), portable: \(portable), table: \(table), relu: \(relu)")
            }
        }
    }

    @Test func theVectorKernelsAreUsedOnThisMachine() {
        // The build targets x86-64-v3; on such a CPU the AVX2 path must be the one measured.
        // On 64-bit Arm it is NEON (checked against portable by scripts/test-neon.sh).
        #if arch(x86_64)
        #expect(QuantizedGEMM.usesAVX2 && !QuantizedGEMM.usesNEON)
        #elseif arch(arm64)
        #expect(QuantizedGEMM.usesNEON && !QuantizedGEMM.usesAVX2)
        #endif
    }
}
