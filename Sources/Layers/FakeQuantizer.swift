import Autograd
import Tensors

/// A fake quantiser for compression-aware training, attached to a layer's weight
/// (`Conv2D.weightQuantizer`, `Linear.weightQuantizer`) or output (`Module.outputQuantizer`).
///
/// - `.minMax` (plain QAT weights): symmetric, scale max|w|/qmax per output channel, recomputed
///   from the current weights at every call; straight-through gradient.
/// - `.movingAverage` (plain QAT activations): asymmetric uint range from an exponential moving
///   average of each batch's min and max in training, frozen in eval; straight-through.
/// - `.learned` (LSQ): a trainable step size per channel (weights) or per tensor
///   (activations), initialised from statistics of the first call as in the LSQ paper
///   (2·mean|v|/√Qp), trained with the LSQ gradient scaled by g = 1/√(N·Qp).
public final class FakeQuantizer: Module {
    public enum Method: String, Sendable, CaseIterable { case minMax, movingAverage, learned }

    public let method: Method
    public let bits: Int
    /// One scale per index of axis 0 (weights) or one for the tensor (activations).
    public let perChannel: Bool
    /// Signed range [−(2^(b−1) − 1), 2^(b−1) − 1] (weights, and activations that can be negative)
    /// or unsigned [0, 2^b − 1].
    public let signed: Bool
    /// Learned step sizes (`.learned`), created on the first call.
    public private(set) var step: Variable?
    /// Moving-average range (`.movingAverage`).
    public private(set) var runningMin = Tensor(shape: [1]), runningMax = Tensor(shape: [1])
    private var initialised = Tensor(shape: [1])
    public var momentum: Float = 0.1
    /// Extra factor per step on the LSQ step gradient (`.learned`; nil = 1). Batch-norm folding
    /// sets k² here: see `BatchNormFoldedQuantizer`.
    public var stepGradientMultipliers: [Float]?
    /// How a learned step starts (`.learned` only; read at the first call).
    public var stepInitialisation = StepInitialisation.minimumError

    public enum StepInitialisation: String, Sendable {
        /// 2·mean|v|/√Qp (the LSQ paper). At 8 bits this is several times coarser than the
        /// min-max step, and short fine-tuning does not recover from it.
        case paper
        /// The step among 50 fractions of the min-max step with the least squared quantisation
        /// error on the first batch (as later LSQ variants initialise).
        case minimumError
    }

    public init(method: Method, bits: Int, perChannel: Bool, signed: Bool) {
        precondition((2...16).contains(bits), "bits must be 2…16")
        self.method = method
        self.bits = bits
        self.perChannel = perChannel
        self.signed = signed
    }

    public var range: ClosedRange<Int> {
        signed ? -((1 << (bits - 1)) - 1)...((1 << (bits - 1)) - 1) : 0...((1 << bits) - 1)
    }

    public override var localParameters: [(String, Variable)] { step.map { [("step", $0)] } ?? [] }
    public override var localBuffers: [StateEntry] {
        guard method == .movingAverage else { return [] }
        return [StateEntry(name: "running_min", kind: .buffer, get: { [unowned self] in runningMin }, set: { [unowned self] in runningMin = $0 }),
                StateEntry(name: "running_max", kind: .buffer, get: { [unowned self] in runningMax }, set: { [unowned self] in runningMax = $0 }),
                StateEntry(name: "initialised", kind: .buffer, get: { [unowned self] in initialised }, set: { [unowned self] in initialised = $0 })]
    }

    public override func forward(_ x: Variable) -> Variable {
        let channels = perChannel ? x.shape[0] : 1, per = x.value.count / channels
        let qmax = Float(range.upperBound)
        switch method {
        case .minMax:
            let scales = minMaxScales(x.value, channels: channels)
            return fakeQuantize(x, scales: scales, zeroPoints: [Float](repeating: 0, count: channels), range: range)
        case .movingAverage:
            if isTraining {
                let low = min(x.value.scalars.min() ?? 0, 0), high = max(x.value.scalars.max() ?? 0, 0)
                if initialised.scalars[0] == 0 {
                    runningMin.scalars[0] = low
                    runningMax.scalars[0] = high
                    initialised.scalars[0] = 1
                } else {
                    runningMin.scalars[0] += momentum * (low - runningMin.scalars[0])
                    runningMax.scalars[0] += momentum * (high - runningMax.scalars[0])
                }
            }
            let low = Float(range.lowerBound), levels = Float(range.upperBound - range.lowerBound)
            let scale = max((runningMax.scalars[0] - runningMin.scalars[0]) / levels, 1e-12)
            let zero = (low - runningMin.scalars[0] / scale).rounded()
            return fakeQuantize(x, scales: [scale], zeroPoints: [zero], range: range)
        case .learned:
            if step == nil {
                let initial = (0..<channels).map { c in
                    let values = Array(x.value.scalars[(c * per)..<((c + 1) * per)])
                    switch stepInitialisation {
                    case .paper: return max(2 * values.reduce(Float(0)) { $0 + abs($1) } / Float(per) / qmax.squareRoot(), 1e-8)
                    case .minimumError: return minimumErrorStep(values)
                    }
                }
                step = Variable(Tensor(shape: [channels], scalars: initial), requiresGrad: true)
            }
            let s = step!
            // Keep the step positive whatever the optimiser did.
            for c in 0..<s.value.count where !(s.value.scalars[c] > 1e-8) { s.value.scalars[c] = 1e-8 }
            return lsqQuantize(x, step: s, range: range, gradientScale: 1 / (Float(per) * qmax).squareRoot(),
                               channelGradientScales: stepGradientMultipliers)
        }
    }
}

extension FakeQuantizer {
    /// max|v|/Qp per channel (index of axis 0) — the symmetric min-max scale.
    func minMaxScales(_ v: Tensor, channels: Int) -> [Float] {
        let per = v.count / channels, qmax = Float(range.upperBound)
        return (0..<channels).map { c in max((c * per..<(c + 1) * per).reduce(Float(0)) { max($0, abs(v.scalars[$1])) } / qmax, 1e-12) }
    }

    /// The step s = f·max/Qp, f ∈ {0.02, 0.04, …, 1}, minimising Σ(clamp(round(v/s))·s − v)²
    /// over `values` (at most 16,384 of them, evenly spaced, are scored).
    func minimumErrorStep(_ values: [Float]) -> Float {
        let low = Float(range.lowerBound), high = Float(range.upperBound)
        let stride = max(1, values.count / 16_384)
        let sample = Swift.stride(from: 0, to: values.count, by: stride).map { values[$0] }
        let largest = signed ? sample.reduce(Float(0)) { max($0, abs($1)) } : max(sample.max() ?? 0, 0)
        guard largest > 0 else { return 1e-8 }
        var best = largest / high, bestError = Float.infinity
        for k in 1...50 {
            let s = largest * Float(k) / 50 / high
            var error: Float = 0
            for v in sample {
                let q = min(max((v / s).rounded(), low), high) * s - v
                error += q * q
            }
            if error < bestError { (best, bestError) = (s, error) }
        }
        return max(best, 1e-8)
    }

    /// The integer levels and per-channel scales this weight quantiser gives `w` — exactly the
    /// grid its forward pass rounds to (for writing compressed model files).
    public func levels(of w: Tensor) -> (scales: [Float], levels: [Int32]) {
        precondition(method != .movingAverage, "activation quantisers have no weight grid")
        let channels = perChannel ? w.shape[0] : 1, per = w.count / channels
        let qmax = Float(range.upperBound), low = Float(range.lowerBound)
        let scales = method == .learned ? step.map { Array($0.value.scalars) } ?? minMaxScales(w, channels: channels)
                                        : minMaxScales(w, channels: channels)
        let levels = w.scalars.indices.map { i in Int32(min(max((w.scalars[i] / scales[i / per]).rounded(), low), qmax)) }
        return (scales, levels)
    }
}
