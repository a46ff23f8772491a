import Foundation
import Tensors

/// Scales each index of axis 0 (each output channel of a weight) by factor[c] = s[c]^p · k[c]:
/// out[c, …] = x[c, …] · s[c]^p · k[c], with gradients to x and to s (p = 1 or −1 in
/// batch-norm folding: w·γ/σ folds, q·σ/γ unfolds). `constant` (k) has one value per channel.
public func scaleRows(_ x: Variable, by s: Variable, power: Float, constant: [Float]) -> Variable {
    let channels = x.shape[0], per = x.value.count / channels
    precondition(s.value.count == channels && constant.count == channels, "one factor per index of axis 0")
    let factor = (0..<channels).map { c in pow(s.value.scalars[c], power) * constant[c] }
    var out = x.value
    for c in 0..<channels { for i in (c * per)..<((c + 1) * per) { out.scalars[i] *= factor[c] } }
    return Variable(value: out, inputs: [x, s]) { g in
        var gx = g, gs = Tensor(shape: s.value.shape)
        for c in 0..<channels {
            // ∂out/∂s[c] = x · p · s^(p−1) · k = out / s · p
            let slope = power * pow(s.value.scalars[c], power - 1) * constant[c]
            var total: Float = 0
            for i in (c * per)..<((c + 1) * per) {
                total += g.scalars[i] * x.value.scalars[i]
                gx.scalars[i] *= factor[c]
            }
            gs.scalars[c] = total * slope
        }
        return [gx, gs]
    }
}
