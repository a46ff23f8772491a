import CQuantKernels
import Foundation

/// How int32 accumulators become uint8 values of the next layer (Jacob et al., CVPR 2018):
/// the real multiplier s_in·s_w/s_out is a Q31 integer and a shift, so no float is involved.
/// The exact arithmetic (and rounding) is the contract in `fly_quant_kernels.h`;
/// `reference(_:channel:)` restates it in Swift and the tests hold both kernels to it.
public struct Requantization: Sendable {
    /// Per output channel: added to the accumulator (bias and zero-point corrections).
    public var bias: [Int32]
    public private(set) var multiplier: [Int32]
    public private(set) var shift: [Int32]
    public var zeroPoint: Int32
    /// Clamp in the quantised domain (ReLU: `min` = zero point).
    public var min: Int32
    public var max: Int32
    /// Optional 256-entry table applied last (a quantised hardswish).
    public var table: [UInt8]? { didSet { tableEntries = table?.map(Int32.init) } }
    /// The table as the kernels read it (int32 entries, for AVX2's gather).
    private var tableEntries: [Int32]?
    /// `shift` split for the kernels' epilogue (see the C header), computed once.
    private struct Derived: Sendable {
        var right: [Int32], rounding: [Int32], left: [Int32], anyLeft: Bool
        init(_ shift: [Int32]) {
            right = shift.map { Swift.max($0, 0) }
            rounding = right.map { $0 > 0 ? 1 << ($0 - 1) : 0 }
            left = shift.map { Swift.max(-$0, 0) }
            anyLeft = left.contains { $0 > 0 }
        }
    }
    private var derived: Derived

    public init(bias: [Int32], realMultipliers: [Double], zeroPoint: Int32, min: Int32 = 0, max: Int32 = 255,
                table: [UInt8]? = nil) {
        precondition(bias.count == realMultipliers.count, "one multiplier per channel")
        precondition(table == nil || table!.count == 256, "the table has 256 entries")
        self.bias = bias
        let fixed = realMultipliers.map(Requantization.fixedPoint)
        multiplier = fixed.map(\.multiplier)
        shift = fixed.map(\.shift)
        derived = Derived(shift)
        self.zeroPoint = zeroPoint
        self.min = min
        self.max = max
        self.table = table
        tableEntries = table?.map(Int32.init)
    }

    public var channels: Int { bias.count }

    /// real ≈ multiplier / 2³¹ · 2^(−shift), multiplier in [2³⁰, 2³¹). Multipliers below 2⁻³¹
    /// become 0; above 2⁸ they are refused by the plans before they get here (a layer whose
    /// output scale is 256× finer than its input's is a calibration failure).
    public static func fixedPoint(_ real: Double) -> (multiplier: Int32, shift: Int32) {
        guard real > 0, real.isFinite else { return (0, 0) }
        let fraction = frexp(real)   // real = m · 2^e, m in [0.5, 1)
        var m = Int64((fraction.0 * 2_147_483_648).rounded())
        var e = fraction.1
        if m == 1 << 31 { m /= 2; e += 1 }
        if -e > 31 { return (0, 0) }
        return (Int32(m), Int32(-e))
    }

    /// The contract, in Swift: what every kernel must return for accumulator `acc` of `channel`.
    public func reference(_ acc: Int32, channel c: Int) -> UInt8 {
        var v = acc &+ bias[c]
        let s = shift[c]
        if s < 0 { v = v &<< -s }
        let product = Int64(v) * Int64(multiplier[c]) + (1 << 30)
        var y = Int32(truncatingIfNeeded: product >> 31)
        if s > 0 { y = (y &+ (1 &<< (s - 1))) >> s }
        let q = Swift.min(Swift.max(y &+ zeroPoint, min), max)
        return table.map { $0[Int(q)] } ?? UInt8(q)
    }

    /// Runs `body` with the C view of these parameters (valid only during the call).
    public func withUnsafeParameters<R>(_ body: (UnsafePointer<fly_requant>) -> R) -> R {
        derived.right.withUnsafeBufferPointer { right in
            derived.rounding.withUnsafeBufferPointer { rounding in
                derived.left.withUnsafeBufferPointer { left in
                    bias.withUnsafeBufferPointer { b in
                        multiplier.withUnsafeBufferPointer { m in
                            shift.withUnsafeBufferPointer { s in
                                func call(_ lut: UnsafePointer<Int32>?) -> R {
                                    var parameters = fly_requant(bias: b.baseAddress, multiplier: m.baseAddress, shift: s.baseAddress,
                                                                 zero_point: zeroPoint, min: min, max: max, lut: lut,
                                                                 right: right.baseAddress, rounding: rounding.baseAddress,
                                                                 left: left.baseAddress, any_left: derived.anyLeft ? 1 : 0)
                                    return withUnsafePointer(to: &parameters, body)
                                }
                                if let tableEntries { return tableEntries.withUnsafeBufferPointer { call($0.baseAddress) } }
                                return call(nil)
                            }
                        }
                    }
                }
            }
        }
    }
}
