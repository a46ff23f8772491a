import Autograd
import Foundation
import Layers
import Optimizers
import Tensors

/// Joint adaptive sparsity and mixed precision (SQS) for one weight tensor.
///
/// Search phase:
/// - sparsity ρ = sigmoid(β); threshold t = the ρ-quantile of |w|; m = (|w| > t);
/// - bit choice: p = softmax(α) over `candidates` (3…8 bits); each branch Q_b fake-quantises
///   w·m symmetrically per output channel (scale max|w·m|/(2^(b−1) − 1));
/// - forward(w) = Σ_b p_b · Q_b(w·m).
///
/// Gradients: to w, straight through the quantisers and the mask (g·m), plus the L1 term
/// λ₁·sign(w); to α, the softmax chain rule over the branch outputs; to β,
/// sigmoid'(β) · Σ over masked values of (−g_i·w_i)/ρ — the first-order change of the loss per
/// unit of ρ when the masked set grows by values like those already masked (the source gives
/// sigmoid'·Σ ∂E/∂w over the masked values; we weight each by −w_i so the sign says whether
/// masking hurt). A storage term λ_s · (n/N_total) · (1 − ρ) · E_p[b] / 32 adds its gradient
/// to α and β, pushing towards sparser, narrower layers.
///
/// α and β are this quantiser's own: they are updated by an Adam optimiser inside the backward
/// pass (after `warmupSteps` steps in which only the weights train), not by the network's SGD.
/// They are state buffers, so checkpoints keep them (Adam's moments restart on resume).
///
/// Fine-tune phase (`fix()`): the mask is frozen, the argmax width kept, the other branches
/// dropped; forward(w) = Q_b(w·m) with a straight-through gradient on the kept values.
public final class SparseMixedPrecisionQuantizer: Module {
    public static let candidates = [3, 4, 5, 6, 7, 8]

    public struct Settings: Sendable {
        public var initialSparsity: Double = 0.1
        public var l1: Float = 1e-5
        public var storageWeight: Float = 0.5
        public var learningRate: Float = 0.02
        public var warmupSteps = 20
        public init() {}
    }

    public let settings: Settings
    /// This tensor's share of all compressed weights (scales the storage term).
    public let share: Float
    public private(set) var beta: Variable
    public private(set) var alpha: Variable
    private let optimizer: Adam
    private var steps = Tensor(shape: [1])
    /// After `fix()`: the kept width and mask.
    public private(set) var fixedBits = Tensor(shape: [1])
    public private(set) var fixedMask = Tensor(shape: [0])
    /// The gradients of the last backward pass to α and β (before Adam; for tests and logs).
    public private(set) var lastChoiceGradients: (alpha: [Float], beta: Float)?

    public init(share: Float, settings: Settings = Settings()) {
        self.settings = settings
        self.share = share
        let rho = min(max(settings.initialSparsity, 0.01), 0.99)
        beta = Variable(Tensor(shape: [1], scalars: [Float(log(rho / (1 - rho)))]), requiresGrad: true)
        alpha = Variable(Tensor(shape: [Self.candidates.count], scalars: Self.candidates.map { _ in 0 }), requiresGrad: true)
        optimizer = Adam(groups: [ParameterGroup([beta, alpha])], learningRate: settings.learningRate)
    }

    public override var localBuffers: [StateEntry] {
        [StateEntry(name: "beta", kind: .buffer, get: { [unowned self] in beta.value }, set: { [unowned self] in beta.value = $0 }),
         StateEntry(name: "alpha", kind: .buffer, get: { [unowned self] in alpha.value }, set: { [unowned self] in alpha.value = $0 }),
         StateEntry(name: "steps", kind: .buffer, get: { [unowned self] in steps }, set: { [unowned self] in steps = $0 }),
         StateEntry(name: "fixed_bits", kind: .buffer, get: { [unowned self] in fixedBits }, set: { [unowned self] in fixedBits = $0 }),
         StateEntry(name: "fixed_mask", kind: .buffer, get: { [unowned self] in fixedMask }, set: { [unowned self] in fixedMask = $0 })]
    }

    public var isFixed: Bool { fixedBits.scalars[0] > 0 }
    public var sparsity: Double { Double(1 / (1 + exp(-beta.value.scalars[0]))) }
    public var probabilities: [Float] { Self.softmax(alpha.value.scalars) }
    /// The width the layer keeps (argmax of α), or the fixed one.
    public var chosenBits: Int { isFixed ? Int(fixedBits.scalars[0]) : Self.candidates[probabilities.indices.max { probabilities[$0] < probabilities[$1] }!] }
    public var expectedBits: Float { zip(probabilities, Self.candidates).reduce(0) { $0 + $1.0 * Float($1.1) } }

    static func softmax(_ a: [Float]) -> [Float] {
        let top = a.max() ?? 0
        let e = a.map { exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// Mask of the values above the ρ-quantile of |w|.
    static func mask(_ w: Tensor, sparsity: Double) -> Tensor {
        let magnitudes = w.scalars.map(abs).sorted()
        let cut = min(Int(sparsity * Double(magnitudes.count)), magnitudes.count - 1)
        let threshold = cut <= 0 ? -1 : magnitudes[cut - 1]
        return Tensor(shape: w.shape, scalars: w.scalars.map { abs($0) > threshold ? 1 : 0 })
    }

    /// Symmetric per-channel fake quantisation at `bits` (min-max scale; never clips).
    static func quantized(_ w: [Float], channels: Int, bits: Int) -> (values: [Float], scales: [Float], levels: [Int32]) {
        let per = w.count / channels, qmax = Float((1 << (bits - 1)) - 1)
        var values = w, levels = [Int32](repeating: 0, count: w.count), scales = [Float](repeating: 1, count: channels)
        for c in 0..<channels {
            let largest = (c * per..<(c + 1) * per).reduce(Float(0)) { max($0, abs(w[$1])) }
            let s = max(largest / qmax, 1e-12)
            scales[c] = s
            for i in (c * per)..<((c + 1) * per) {
                let q = min(max((w[i] / s).rounded(), -qmax), qmax)
                levels[i] = Int32(q)
                values[i] = q * s
            }
        }
        return (values, scales, levels)
    }

    /// Ends the search: freezes the current mask and keeps the argmax width.
    public func fix(weight: Tensor) {
        fixedMask = Self.mask(weight, sparsity: sparsity)
        fixedBits = Tensor(shape: [1], scalars: [Float(chosenBits)])
    }

    /// The grid of the fixed layer (for the compressed file).
    public func levels(of w: Tensor) -> (bits: Int, scales: [Float], levels: [Int32]) {
        precondition(isFixed, "fix() the layer before exporting it")
        let masked = zip(w.scalars, fixedMask.scalars).map { $0 * $1 }
        let q = Self.quantized(masked, channels: w.shape[0], bits: chosenBits)
        return (chosenBits, q.scales, q.levels)
    }

    public override func forward(_ w: Variable) -> Variable {
        let channels = w.shape[0]
        if isFixed {
            let mask = fixedMask
            let masked = zip(w.value.scalars, mask.scalars).map { $0 * $1 }
            let q = Self.quantized(masked, channels: channels, bits: chosenBits)
            return Variable.operation(value: Tensor(shape: w.shape, scalars: q.values), inputs: [w]) { g in
                [Tensor(shape: g.shape, scalars: zip(g.scalars, mask.scalars).map { $0 * $1 })]
            }
        }
        let rho = Float(sparsity)
        let mask = Self.mask(w.value, sparsity: Double(rho))
        let masked = zip(w.value.scalars, mask.scalars).map { $0 * $1 }
        let p = probabilities
        let branches = Self.candidates.map { Self.quantized(masked, channels: channels, bits: $0).values }
        var out = [Float](repeating: 0, count: masked.count)
        for (b, branch) in branches.enumerated() { for i in out.indices { out[i] += p[b] * branch[i] } }
        let weights = w.value.scalars
        return Variable.operation(value: Tensor(shape: w.shape, scalars: out), inputs: [w]) { [unowned self] g in
            // α: ∂E/∂α_j = p_j (⟨g, Q_j⟩ − Σ_b p_b ⟨g, Q_b⟩), plus the storage term.
            let dots = branches.map { branch in zip(g.scalars, branch).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            let mean = zip(p, dots).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            let expected = self.expectedBits
            var gAlpha = (0..<p.count).map { p[$0] * (dots[$0] - mean) }
            for j in gAlpha.indices {
                // storage = λ·share·(1 − ρ)·E[b]/32;  ∂E[b]/∂α_j = p_j (b_j − E[b])
                gAlpha[j] += self.settings.storageWeight * self.share * (1 - rho) * p[j] * (Float(Self.candidates[j]) - expected) / 32
            }
            // β: sigmoid'(β) · (Σ_masked −g·w / ρ  −  λ·share·E[b]/32)
            var maskedCost: Float = 0
            for i in weights.indices where mask.scalars[i] == 0 { maskedCost -= g.scalars[i] * weights[i] }
            let sigmoidSlope = rho * (1 - rho)
            let gBeta = sigmoidSlope * (maskedCost / max(rho, 1e-3) - self.settings.storageWeight * self.share * expected / 32)
            self.updateChoices(gAlpha: gAlpha, gBeta: gBeta)
            // w: straight through the quantisers and the mask, plus L1.
            var gw = g
            for i in gw.scalars.indices {
                gw.scalars[i] = gw.scalars[i] * mask.scalars[i] + self.settings.l1 * (weights[i] > 0 ? 1 : (weights[i] < 0 ? -1 : 0))
            }
            return [gw]
        }
    }

    private func updateChoices(gAlpha: [Float], gBeta: Float) {
        lastChoiceGradients = (gAlpha, gBeta)
        steps.scalars[0] += 1
        guard Int(steps.scalars[0]) > settings.warmupSteps, gAlpha.allSatisfy(\.isFinite), gBeta.isFinite else { return }
        alpha.grad = Tensor(shape: alpha.value.shape, scalars: gAlpha)
        beta.grad = Tensor(shape: [1], scalars: [gBeta])
        optimizer.step()
        alpha.grad = nil
        beta.grad = nil
        // Keep ρ within 1 %…99 %.
        beta.value.scalars[0] = min(max(beta.value.scalars[0], -4.6), 4.6)
    }
}
