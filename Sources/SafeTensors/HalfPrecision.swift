// Conversions between `Float` and the two 16-bit float formats (IEEE binary16 and bfloat16).
//
// Swift's `Float16` is used where it exists; it is missing on macOS on Intel, so the
// bit-level versions below are kept for that platform (and are tested everywhere).

/// The `Float` equal to the binary16 value with these bits (exact: every half is a float).
@inline(__always)
func floatFromHalfBits(_ bits: UInt16) -> Float {
    #if !(os(macOS) && arch(x86_64))
    return Float(Float16(bitPattern: bits))
    #else
    return manualFloatFromHalfBits(bits)
    #endif
}

/// The binary16 bits nearest to `value`, ties to even; overflow gives infinity and NaN stays NaN.
@inline(__always)
func halfBits(from value: Float) -> UInt16 {
    #if !(os(macOS) && arch(x86_64))
    return Float16(value).bitPattern
    #else
    return manualHalfBits(from: value)
    #endif
}

/// The `Float` equal to the bfloat16 value with these bits: bfloat16 is the top half of a float32.
@inline(__always)
func floatFromBFloat16Bits(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

/// `floatFromHalfBits` without `Float16`.
func manualFloatFromHalfBits(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0x1F:
        // Infinity or NaN: the mantissa (with its quiet bit) moves to the top of float's.
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    case 0:
        // Zero or subnormal: mantissa × 2^-24, exact in Float.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    default:
        return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
    }
}

/// `halfBits(from:)` without `Float16`.
func manualHalfBits(from value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xFF)
    let mantissa = bits & 0x7F_FFFF

    if exponent == 0xFF {
        // Infinity stays infinity; NaN keeps the top of its payload and is made quiet.
        return sign | 0x7C00 | (mantissa == 0 ? 0 : 0x200 | UInt16(truncatingIfNeeded: mantissa >> 13))
    }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 0x1F { return sign | 0x7C00 }
    if halfExponent <= 0 {
        // Below 2^-25 (half the smallest subnormal) everything rounds to zero.
        if halfExponent < -10 { return sign }
        // Subnormal half: count units of 2^-24. The 24-bit significand is worth
        // 2^(exponent - 150), so drop (14 - halfExponent) bits, 14...24 of them.
        let significand = mantissa | 0x80_0000
        let shift = UInt32(14 - halfExponent)
        var half = significand >> shift
        let remainder = significand & ((1 << shift) - 1)
        let halfway = UInt32(1) << (shift - 1)
        if remainder > halfway || (remainder == halfway && half & 1 == 1) { half += 1 }
        // A carry out of the mantissa gives 0x400, the smallest normal: still correct bits.
        return sign | UInt16(truncatingIfNeeded: half)
    }
    var half = UInt32(halfExponent) << 10 | (mantissa >> 13)
    let remainder = mantissa & 0x1FFF
    // Rounding up may carry into the exponent, up to 0x7C00 (infinity), which is correct.
    if remainder > 0x1000 || (remainder == 0x1000 && half & 1 == 1) { half += 1 }
    return sign | UInt16(truncatingIfNeeded: half)
}
