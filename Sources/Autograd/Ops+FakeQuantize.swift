import Tensors

/// Fake quantisation for quantisation-aware training: the forward pass rounds to the integer
/// grid and back (so the network sees exactly the values an integer plan would), the backward
/// pass uses the straight-through estimator. Rounding is half away from zero (`rounded()`).
///
/// Channels: `perChannel` quantisers have one scale per index of axis 0 (output channels of
/// OHWI conv weights and [out, in] linear weights); otherwise one scale for the tensor.

/// Fixed-scale fake quantisation (plain QAT): q = clamp(round(x/s) + z, qmin, qmax),
/// out = (q − z)·s; the gradient passes where the value was not clipped.
/// `scales` has one entry (per tensor) or one per index of axis 0; `zeroPoints` likewise.
public func fakeQuantize(_ x: Variable, scales: [Float], zeroPoints: [Float], range: ClosedRange<Int>) -> Variable {
    let channels = scales.count, per = x.value.count / channels
    precondition(channels >= 1 && x.value.count % channels == 0 && zeroPoints.count == channels, "one scale and zero point per channel")
    let low = Float(range.lowerBound), high = Float(range.upperBound)
    var out = x.value
    var inside = [Bool](repeating: true, count: x.value.count)
    for c in 0..<channels {
        let s = scales[c], z = zeroPoints[c]
        for i in (c * per)..<((c + 1) * per) {
            let q = (x.value.scalars[i] / s).rounded() + z
            inside[i] = q >= low && q <= high
            out.scalars[i] = (min(max(q, low), high) - z) * s
        }
    }
    return Variable(value: out, inputs: [x]) { gradOut in
        var gx = gradOut
        for i in 0..<gx.count where !inside[i] { gx.scalars[i] = 0 }
        return [gx]
    }
}

/// Learned step size quantisation (LSQ, Esser et al., ICLR 2020). With v̄ = v/s:
///   forward  v̂ = clamp(round(v̄), qmin, qmax) · s
///   ∂v̂/∂v = 1 inside [qmin, qmax], 0 outside (straight-through)
///   ∂v̂/∂s = round(v̄) − v̄ inside, qmin or qmax where clipped,
/// and the step's gradient is multiplied by `gradientScale` (the paper's g = 1/√(N·Qp), N the
/// number of values sharing the step), and by `channelGradientScales[c]` where given (one per
/// step). `step` holds one value, or one per index of axis 0.
public func lsqQuantize(_ x: Variable, step: Variable, range: ClosedRange<Int>, gradientScale: Float,
                        channelGradientScales: [Float]? = nil) -> Variable {
    let channels = step.value.count, per = x.value.count / channels
    precondition(channels >= 1 && x.value.count % channels == 0, "one step, or one per index of axis 0")
    let low = Float(range.lowerBound), high = Float(range.upperBound)
    var out = x.value
    // Per value: ∂v̂/∂s (before the gradient scale), and whether ∂v̂/∂v is 1.
    var stepSlope = [Float](repeating: 0, count: x.value.count)
    var inside = [Bool](repeating: false, count: x.value.count)
    for c in 0..<channels {
        let s = step.value.scalars[c]
        precondition(s > 0, "LSQ step sizes must stay positive (got \(s))")
        for i in (c * per)..<((c + 1) * per) {
            let v = x.value.scalars[i] / s
            if v <= low {
                out.scalars[i] = low * s
                stepSlope[i] = low
            } else if v >= high {
                out.scalars[i] = high * s
                stepSlope[i] = high
            } else {
                let q = v.rounded()
                out.scalars[i] = q * s
                stepSlope[i] = q - v
                inside[i] = true
            }
        }
    }
    return Variable(value: out, inputs: [x, step]) { gradOut in
        var gx = gradOut
        var gs = Tensor(shape: step.value.shape)
        for c in 0..<channels {
            var total: Float = 0
            for i in (c * per)..<((c + 1) * per) {
                total += gradOut.scalars[i] * stepSlope[i]
                if !inside[i] { gx.scalars[i] = 0 }
            }
            gs.scalars[c] = total * gradientScale * (channelGradientScales?[c] ?? 1)
        }
        return [gx, gs]
    }
}
