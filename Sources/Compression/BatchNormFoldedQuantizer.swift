import Autograd
import Layers
import Tensors

/// Quantises a convolution's weight *as folded into the batch norm that follows it* (Jacob et
/// al. 2018; with a learned step this is LSQ-BN): with k = γ/√(σ² + ε) per output channel,
///
///     forward(w) = Q(w · k) / k
///
/// so that conv(x, forward(w)) followed by the (frozen-statistics) batch norm equals
/// conv(x, Q(w·k)) + (β − μ·k) — exactly the folded integer layer. The inner quantiser's grid
/// (learned step or min-max scale) lives on the folded weights; gradients reach w, γ and the
/// step. The batch norm's statistics are frozen (`frozenStatistics`) so the fold is exact in
/// training as in inference.
public final class BatchNormFoldedQuantizer: Module {
    public let inner: FakeQuantizer
    public unowned let batchNorm: BatchNorm2D

    public init(inner: FakeQuantizer, batchNorm: BatchNorm2D) {
        precondition(inner.perChannel, "folded weights are quantised per output channel")
        self.inner = inner
        self.batchNorm = batchNorm
        batchNorm.frozenStatistics = true
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
        let gamma = safeGamma, inverse = inverseDeviation
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
