import Autograd
import Layers
import Tensors

/// Incremental network quantisation (INQ, Zhou et al., ICLR 2017) of one weight tensor.
///
/// The allowed values are 0 and ±2^n for n₂ ≤ n ≤ n₁, with n₁ = ⌊log₂(4·max|w|/3)⌋ fixed from
/// the trained weights and n₂ = n₁ + 1 − 2^(b−1)/2 (b bits: one code for zero, the rest sign
/// and exponent). A value goes to the nearest allowed one in the paper's sense: β where
/// (α + β)/2 ≤ |w| < 3β/2 for adjacent allowed magnitudes α < β, else 0.
///
/// Weights are quantised group by group: `quantizeLargest(portion:of:)` fixes the largest
/// remaining magnitudes until `portion` of the tensor is quantised. The forward pass returns
/// the fixed powers of two where fixed and the float weight elsewhere; the gradient reaches
/// only the float part, which retraining uses to compensate.
public final class PowerOfTwoQuantizer: Module {
    public let bits: Int
    /// n₁ (set from the weight at the first partition); `Int.min` before that.
    public private(set) var largestExponent = Int.min
    /// 1 where the value is fixed to a power of two (or zero), else 0; and the fixed values.
    public private(set) var fixed = Tensor(shape: [0])
    public private(set) var fixedValues = Tensor(shape: [0])
    private var exponentBuffer = Tensor(shape: [1])

    public init(bits: Int) {
        precondition((2...8).contains(bits), "INQ bit widths are 2…8")
        self.bits = bits
    }

    public var smallestExponent: Int { largestExponent + 1 - (1 << (bits - 1)) / 2 }
    public var fixedPortion: Double { fixed.count == 0 ? 0 : Double(fixed.scalars.reduce(0, +)) / Double(fixed.count) }

    public override var localBuffers: [StateEntry] {
        [StateEntry(name: "fixed", kind: .buffer, get: { [unowned self] in fixed }, set: { [unowned self] in fixed = $0 }),
         StateEntry(name: "fixed_values", kind: .buffer, get: { [unowned self] in fixedValues }, set: { [unowned self] in fixedValues = $0 }),
         StateEntry(name: "largest_exponent", kind: .buffer, get: { [unowned self] in
             Tensor(shape: [1], scalars: [largestExponent == Int.min ? -1000 : Float(largestExponent)]) },
                    set: { [unowned self] in largestExponent = $0.scalars[0] <= -1000 ? Int.min : Int($0.scalars[0]) })]
    }

    /// The allowed value nearest to `v` (the paper's rule).
    public func quantize(_ v: Float) -> Float {
        let level = self.level(v)
        return level == 0 ? 0 : (level < 0 ? -1 : 1) * Float(sign: .plus, exponent: smallestExponent + Int(abs(level)) - 1, significand: 1)
    }

    /// 0 for zero, ±k for ±2^(n₂ + k − 1).
    public func level(_ v: Float) -> Int32 {
        let a = abs(v), n2 = smallestExponent
        let smallest = Float(sign: .plus, exponent: n2, significand: 1)
        guard a >= smallest / 2 else { return 0 }
        // Nearest power in the linear sense: β for 0.75β ≤ a < 1.5β.
        var e = Int((a / 0.75).exponent)          // ⌊log₂(a/0.75)⌋: a ∈ [0.75·2^e, 1.5·2^e)
        e = min(max(e, n2), largestExponent)
        let k = Int32(e - n2 + 1)
        return v < 0 ? -k : k
    }

    /// Fixes the largest not-yet-fixed magnitudes until `portion` (0…1) of `weight` is fixed.
    public func quantizeLargest(portion: Double, of weight: Tensor) {
        precondition(portion >= 0 && portion <= 1, "portion must be within 0…1")
        if fixed.count != weight.count {
            fixed = Tensor(shape: weight.shape)
            fixedValues = Tensor(shape: weight.shape)
        }
        if largestExponent == Int.min {
            let largest = weight.scalars.reduce(Float(0)) { max($0, abs($1)) }
            largestExponent = largest > 0 ? Int((4 * largest / 3).exponent) : -126
        }
        let target = Int((portion * Double(weight.count)).rounded(.up))
        let already = Int(fixed.scalars.reduce(0, +))
        guard target > already else { return }
        let candidates = weight.scalars.indices.filter { fixed.scalars[$0] == 0 }
            .sorted { abs(weight.scalars[$0]) > abs(weight.scalars[$1]) }
        for i in candidates.prefix(target - already) {
            fixed.scalars[i] = 1
            fixedValues.scalars[i] = quantize(weight.scalars[i])
        }
    }

    public override func forward(_ w: Variable) -> Variable {
        guard fixed.count == w.value.count else { return w }   // nothing fixed yet
        var out = w.value
        for i in out.scalars.indices where fixed.scalars[i] == 1 { out.scalars[i] = fixedValues.scalars[i] }
        let mask = fixed
        return Variable.operation(value: out, inputs: [w]) { g in
            var gw = g
            for i in gw.scalars.indices where mask.scalars[i] == 1 { gw.scalars[i] = 0 }
            return [gw]
        }
    }
}
