import Testing
@testable import SafeTensors

/// F16 and BF16 conversions of values whose bits were worked out by hand.
///
/// binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. bfloat16: the top 16 bits of
/// a float32 (1 sign, 8 exponent, 7 mantissa bits).
@Suite struct HalfPrecisionTests {
    /// (half bits, value): 1.0 = 0 01111 0..0; -2.5 = -1.25 × 2^1 = 1 10000 0100000000;
    /// 65504 = (2 - 2^-10) × 2^15, the largest finite half; 0x0001 = 2^-24, the smallest
    /// subnormal; 0x03FF = 1023 × 2^-24, the largest subnormal; 0x7C00 = infinity.
    static let halfCases: [(UInt16, Float)] = [
        (0x3C00, 1.0), (0xC100, -2.5), (0x7BFF, 65504), (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24),
        (0x0400, 0x1p-14), (0x7C00, .infinity), (0xFC00, -.infinity), (0x0000, 0), (0x3555, 0.333251953125),
    ]

    @Test func halfBitsToFloat() {
        for (bits, value) in Self.halfCases {
            #expect(floatFromHalfBits(bits) == value, "0x\(String(bits, radix: 16))")
            #expect(manualFloatFromHalfBits(bits) == value, "manual 0x\(String(bits, radix: 16))")
        }
        #expect(floatFromHalfBits(0x8000).sign == .minus)
        #expect(manualFloatFromHalfBits(0x8000) == 0 && manualFloatFromHalfBits(0x8000).sign == .minus)
        #expect(floatFromHalfBits(0x7E00).isNaN)
        #expect(manualFloatFromHalfBits(0x7E00).isNaN)
        #expect(manualFloatFromHalfBits(0xFC01).isNaN)
    }

    @Test func floatToHalfBits() {
        for (bits, value) in Self.halfCases {
            #expect(halfBits(from: value) == bits, "\(value)")
            #expect(manualHalfBits(from: value) == bits, "manual \(value)")
        }
        #expect(manualHalfBits(from: .nan) == 0x7E00)
        #expect(manualHalfBits(from: -0.0) == 0x8000)
    }

    /// Round to nearest, ties to even, at the normal, subnormal and overflow boundaries.
    @Test(arguments: [
        (Float(1) + 0x1p-11, UInt16(0x3C00)),      // halfway 1 and 1+2^-10: even is 1.0
        (Float(1) + 3 * 0x1p-11, UInt16(0x3C02)),  // halfway 1+2^-10 and 1+2^-9: even is 0x3C02
        (Float(1) + 0x1p-11 + 0x1p-20, UInt16(0x3C01)),  // just above halfway rounds up
        (Float(65519), UInt16(0x7BFF)),            // below the halfway point 65520: stays finite
        (Float(65520), UInt16(0x7C00)),            // halfway to 65536, whose even neighbour overflows
        (Float(1e10), UInt16(0x7C00)),
        (Float(0x1p-25), UInt16(0x0000)),          // half the smallest subnormal: even is 0
        (Float(0x1p-25) * 1.0001, UInt16(0x0001)),
        (Float(3 * 0x1p-25), UInt16(0x0002)),      // 1.5 units: even is 2
        (Float(0x1p-26), UInt16(0x0000)),
        (Float(0x1p-14) - 0x1p-25, UInt16(0x0400)), // rounds up out of the subnormals
        (Float.leastNonzeroMagnitude, UInt16(0x0000)),
        (-Float(0x1p-24), UInt16(0x8001)),
    ])
    func roundingToHalf(_ value: Float, _ bits: UInt16) {
        #expect(halfBits(from: value) == bits)
        #expect(manualHalfBits(from: value) == bits)
    }

    @Test func float16EntryReadsBackItsRoundedValues() throws {
        let entry = try SafeTensorsEntry(name: "h", shape: [6], float16s: [1, -2.5, 65504, 0x1p-24, .infinity, .nan])
        let back = try entry.floats()
        #expect(Array(back.prefix(5)) == [1, -2.5, 65504, 0x1p-24, .infinity])
        #expect(back[5].isNaN)
        #expect(try SafeTensorsEntry(name: "h", shape: [1], float16s: [0.1]).floats() == [0.0999755859375])
    }

    /// bfloat16 bits by hand: 1.0 = 0x3F80; -2.5 = 0xC020; 65504 is not a bfloat16 (only 8
    /// significant bits), its neighbour 65280 = 0x477F is; 0x0001 = 2^-133, the smallest
    /// subnormal; 0x7F80 = infinity; 0x7FC0 = NaN.
    @Test func bfloat16BitsToFloat() throws {
        let bits: [UInt16] = [0x3F80, 0xC020, 0x477F, 0x0001, 0x7F80, 0xFF80, 0x7FC0]
        let entry = try SafeTensorsEntry(name: "b", dtype: .bf16, shape: [7], data: littleEndianBytes(bits))
        let values = try entry.floats()
        #expect(Array(values.prefix(6)) == [1, -2.5, 65280, 0x1p-133, .infinity, -.infinity])
        #expect(values[6].isNaN)
    }

    #if !(os(macOS) && arch(x86_64))
    /// The bit-level conversions (used where `Float16` is missing) agree with `Float16`.
    @Test func manualConversionsAgreeWithFloat16Exhaustively() {
        var mismatches = 0
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let got = manualFloatFromHalfBits(bits)
            if !(got.bitPattern == expected.bitPattern || (got.isNaN && expected.isNaN)) { mismatches += 1 }
        }
        // Floats around every half value and halfway point, plus their neighbours.
        for bits in UInt16.min...UInt16.max where !Float16(bitPattern: bits).isNaN {
            let value = Float(Float16(bitPattern: bits))
            for probe in [value, value.nextUp, value.nextDown, value + Float(Float16(bitPattern: bits).ulp) / 2] {
                let expected = Float16(probe).bitPattern
                let got = manualHalfBits(from: probe)
                if got != expected && !(Float16(probe).isNaN) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }
    #endif
}
