import Foundation
import Tensors

/// Spatial soft-argmax ("integral regression", Sun et al., ECCV 2018): each channel of a
/// [N, H, W, C] map of logits becomes a probability map by a softmax over its H·W cells, and
/// the output is that map's expected position, [N, 2C] as (x, y) per channel, in coordinates
/// normalised to the image (cell (i, j) sits at ((j + ½)/W, (i + ½)/H)).
///
/// Unlike a vector pooled over the whole map, it keeps where in the image the evidence is, and
/// it is differentiable: ∂x̂/∂logitₖ = pₖ (xₖ − x̂) (likewise for y).
public func spatialSoftArgmax(_ x: Variable) -> Variable {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let cells = h * w
    // Probabilities kept for the pullback.
    let probabilities = softmaxOverCells(x.value)
    var out = Tensor(shape: [n, 2 * c])
    for b in 0..<n {
        for ch in 0..<c {
            let base = (b * c + ch) * cells
            var ex: Float = 0, ey: Float = 0
            for k in 0..<cells {
                let p = probabilities[base + k]
                ex += p * (Float(k % w) + 0.5) / Float(w)
                ey += p * (Float(k / w) + 0.5) / Float(h)
            }
            out.scalars[b * 2 * c + 2 * ch] = ex
            out.scalars[b * 2 * c + 2 * ch + 1] = ey
        }
    }
    let expected = out.scalars
    return Variable(value: out, inputs: [x]) { g in
        var gx = Tensor(shape: x.shape)
        for b in 0..<n {
            for ch in 0..<c {
                let base = (b * c + ch) * cells
                let gX = g.scalars[b * 2 * c + 2 * ch], gY = g.scalars[b * 2 * c + 2 * ch + 1]
                let ex = expected[b * 2 * c + 2 * ch], ey = expected[b * 2 * c + 2 * ch + 1]
                for k in 0..<cells {
                    let px = (Float(k % w) + 0.5) / Float(w), py = (Float(k / w) + 0.5) / Float(h)
                    gx.scalars[(b * cells + k) * c + ch] = probabilities[base + k] * (gX * (px - ex) + gY * (py - ey))
                }
            }
        }
        return [gx]
    }
}

/// The softmax of every channel of an [N, H, W, C] map over its H·W cells, laid out
/// [N, C, H·W] (channel-major, for the per-channel sums of the ops that read maps);
/// max-subtracted, so large logits are safe.
func softmaxOverCells(_ x: Tensor) -> [Float] {
    let (n, cells, c) = (x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
    var probabilities = [Float](repeating: 0, count: n * c * cells)
    x.withUnsafePointer { xp in
        for b in 0..<n {
            for ch in 0..<c {
                let base = (b * c + ch) * cells
                var maximum = -Float.infinity
                for k in 0..<cells { maximum = max(maximum, xp[(b * cells + k) * c + ch]) }
                var total: Float = 0
                for k in 0..<cells {
                    let e = Foundation.exp(xp[(b * cells + k) * c + ch] - maximum)
                    probabilities[base + k] = e
                    total += e
                }
                for k in 0..<cells { probabilities[base + k] /= total }
            }
        }
    }
    return probabilities
}
