import TensorKernels
import Tensors

/// Running statistics of a batch-norm layer (buffers, never trained).
public final class BatchNormStatistics {
    public var runningMean: Tensor
    public var runningVariance: Tensor
    /// Batches seen in training (PyTorch's `num_batches_tracked`).
    public var batchesTracked: Int = 0

    public init(channels: Int) {
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels], repeating: 1)
    }
}

/// Batch normalisation over N, H, W of an NHWC tensor (or N of an [N, C] one).
///
/// Training: normalises with the batch mean and biased variance, and updates the running
/// statistics as PyTorch does: running = (1 − momentum)·running + momentum·batch, with the
/// UNBIASED batch variance. Eval: normalises with the running statistics.
public func batchNorm(_ x: Variable, gamma: Variable, beta: Variable, statistics: BatchNormStatistics,
                      training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5) -> Variable {
    let c = x.shape.last!
    let rows = x.value.count / c
    var out = Tensor.uninitialized(x.shape)
    if !training {
        var scale = Tensor(shape: [c]), shift = Tensor(shape: [c])
        for ch in 0..<c {
            let inv = 1 / (statistics.runningVariance.scalars[ch] + epsilon).squareRoot()
            scale.scalars[ch] = gamma.value.scalars[ch] * inv
            shift.scalars[ch] = beta.value.scalars[ch] - statistics.runningMean.scalars[ch] * scale.scalars[ch]
        }
        x.value.withUnsafePointer { xp in scale.withUnsafePointer { sp in shift.withUnsafePointer { tp in
            out.withUnsafeMutablePointer { BatchNormKernels.channelAffine(xp, rows: rows, channels: c, scale: sp, shift: tp, output: $0) }
        }}}
        let mean = statistics.runningMean, variance = statistics.runningVariance
        return Variable(value: out, inputs: [x, gamma, beta]) { gradOut in
            var gx = Tensor(shape: x.shape), gg = Tensor(shape: [c]), gb = Tensor(shape: [c])
            for ch in 0..<c {
                let inv = 1 / (variance.scalars[ch] + epsilon).squareRoot()
                var sumG: Double = 0, sumGX: Double = 0
                for r in 0..<rows {
                    let i = r * c + ch
                    let g = gradOut.scalars[i]
                    gx.scalars[i] = g * scale.scalars[ch]
                    sumG += Double(g)
                    sumGX += Double(g * (x.value.scalars[i] - mean.scalars[ch]) * inv)
                }
                gb.scalars[ch] = Float(sumG)
                gg.scalars[ch] = Float(sumGX)
            }
            return [gx, gg, gb]
        }
    }

    var mean = Tensor(shape: [c]), variance = Tensor(shape: [c])
    x.value.withUnsafePointer { xp in mean.withUnsafeMutablePointer { mp in variance.withUnsafeMutablePointer { vp in
        BatchNormKernels.statistics(xp, rows: rows, channels: c, mean: mp, variance: vp)
    }}}
    var invStd = Tensor(shape: [c]), scale = Tensor(shape: [c]), shift = Tensor(shape: [c])
    for ch in 0..<c {
        invStd.scalars[ch] = 1 / (variance.scalars[ch] + epsilon).squareRoot()
        scale.scalars[ch] = gamma.value.scalars[ch] * invStd.scalars[ch]
        shift.scalars[ch] = beta.value.scalars[ch] - mean.scalars[ch] * scale.scalars[ch]
    }
    x.value.withUnsafePointer { xp in scale.withUnsafePointer { sp in shift.withUnsafePointer { tp in
        out.withUnsafeMutablePointer { BatchNormKernels.channelAffine(xp, rows: rows, channels: c, scale: sp, shift: tp, output: $0) }
    }}}
    let unbiased = rows > 1 ? Float(rows) / Float(rows - 1) : 1
    for ch in 0..<c {
        statistics.runningMean.scalars[ch] = (1 - momentum) * statistics.runningMean.scalars[ch] + momentum * mean.scalars[ch]
        statistics.runningVariance.scalars[ch] = (1 - momentum) * statistics.runningVariance.scalars[ch]
            + momentum * variance.scalars[ch] * unbiased
    }
    statistics.batchesTracked += 1

    return Variable(value: out, inputs: [x, gamma, beta]) { gradOut in
        var gx = Tensor.uninitialized(x.shape), gg = Tensor(shape: [c]), gb = Tensor(shape: [c])
        x.value.withUnsafePointer { xp in gradOut.withUnsafePointer { gp in
            mean.withUnsafePointer { mp in invStd.withUnsafePointer { ip in gamma.value.withUnsafePointer { gmp in
                gg.withUnsafeMutablePointer { ggp in gb.withUnsafeMutablePointer { gbp in
                    gx.withUnsafeMutablePointer { gxp in
                        BatchNormKernels.backwardTraining(xp, outputGradient: gp, rows: rows, channels: c, mean: mp,
                                                          invStd: ip, gamma: gmp, inputGradient: x.requiresGrad ? gxp : nil,
                                                          gammaGradient: ggp, betaGradient: gbp)
                    }
                }}
            }}}
        }}
        return [x.requiresGrad ? gx : nil, gg, gb]
    }
}
