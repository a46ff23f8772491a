import Autograd
import Layers
import Tensors

/// Quantises a convolution's weight *as folded into the batch norm that follows it* (Jacob et
/// al. 2018; with a learned step this is LSQ-BN): with k = γ/√(σ² + ε) per output channel,
///
///     forward(w) = Q(w · k) / k
///
/// so that conv(x, forward(w)) followed by the batch norm *with its running statistics* equals
/// conv(x, Q(w·k)) + (β − μ·k) — exactly the folded integer layer. The inner quantiser's grid
/// (learned step or min-max scale) lives on the folded weights; gradients reach w and the step.
///
/// In training the batch norm either keeps normalising with batch statistics and updating its
/// running ones (default: the fold then follows the running statistics as they move, as in
/// Krishnamoorthi 2018 without the correction factor), or — `freezeStatistics` — uses its
/// running statistics in training too, which makes every training step compute exactly the
/// integer layer (Jacob et al.'s frozen phase). On the shapes benchmark freezing from the
/// start of a short fine-tune cost accuracy (docs/RESULTS.md), hence the default.
public final class BatchNormFoldedQuantizer: Module {
    public let inner: FakeQuantizer
    public unowned let batchNorm: BatchNorm2D

    public init(inner: FakeQuantizer, batchNorm: BatchNorm2D, freezeStatistics: Bool = false) {
        precondition(inner.perChannel, "folded weights are quantised per output channel")
        self.inner = inner
        self.batchNorm = batchNorm
        if freezeStatistics { batchNorm.frozenStatistics = true }
    }

    public override var children: [(String, Module)] { [("inner", inner)] }

    /// 1/√(σ² + ε) per channel (the part of k that is not trained).
    var inverseDeviation: [Float] {
        batchNorm.statistics.runningVariance.scalars.map { 1 / ($0 + batchNorm.epsilon).squareRoot() }
    }

    /// γ with its magnitude kept away from zero (a zero γ would make the unfold divide by zero).
    var safeGamma: Variable {
        let g = batchNorm.gamma
        for c in 0..<g.value.count where abs(g.value.scalars[c]) < 1e-6 { g.value.scalars[c] = g.value.scalars[c] < 0 ? -1e-6 : 1e-6 }
        return g
    }

    public override func forward(_ w: Variable) -> Variable {
        // k enters as a constant: γ trains through the batch norm as usual. (Through the fold and
        // the unfold, with the straight-through estimator, its two gradients cancel up to the
        // rounding error — and that remainder, ∝ 1/γ², overflowed where γ ≈ 0.)
        let gamma = Variable(safeGamma.value), inverse = inverseDeviation
        // A learned step on the folded weights sees gradients 1/k times those of the raw weights
        // while being k times larger, so its relative updates scale with 1/k²: channels with a
        // small k had their steps thrown around until training diverged (shapes benchmark).
        // Scaling the step gradient by k² gives every channel LSQ's own dynamics.
        inner.stepGradientMultipliers = (0..<inverse.count).map { c in
            let k = gamma.value.scalars[c] * inverse[c]
            return k * k
        }
        let folded = scaleRows(w, by: gamma, power: 1, constant: inverse)
        return scaleRows(inner(folded), by: gamma, power: -1, constant: inverse.map { 1 / $0 })
    }

    /// The folded grid expressed on the unfolded weight: levels of Q(w·k), scale s/k per channel
    /// (a negative k flips the levels so every scale stays positive).
    public func levels(of w: Tensor) -> (scales: [Float], levels: [Int32]) {
        let inverse = inverseDeviation, gamma = safeGamma.value.scalars
        let channels = w.shape[0], per = w.count / channels
        var folded = w
        for c in 0..<channels { for i in (c * per)..<((c + 1) * per) { folded.scalars[i] *= gamma[c] * inverse[c] } }
        var (scales, levels) = inner.levels(of: folded)
        for c in 0..<channels {
            let k = gamma[c] * inverse[c]
            scales[c] /= abs(k)
            if k < 0 { for i in (c * per)..<((c + 1) * per) { levels[i] = -levels[i] } }
        }
        return (scales, levels)
    }
}
