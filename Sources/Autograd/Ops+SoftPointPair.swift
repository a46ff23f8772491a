import Tensors

/// Reads an unordered pair of points from each channel of a [N, H, W, C] map of logits, by the
/// first and second moments of the channel's softmax over its H·W cells (coordinates, and
/// `cellSize`, as in `spatialSoftArgmax`). Output [N, 5C]: per channel (a, b, c, d, e) with
///
///     a = E[x],  b = E[y],  c = 2·√(Var x + ε),  d = 2·√(Var y + ε),
///     e = ½ + ½·Cov(x, y) / √(Var x · Var y + ε²)   (½ + ½ × the correlation, in 0…1)
///
/// For a map whose mass sits in two equal peaks at (x₁, y₁) and (x₂, y₂) this is exactly the
/// order-free wing-tip code of `KeypointEncoding` — a, b the midpoint, c = |x₁ − x₂|,
/// d = |y₁ − y₂| (a two-point distribution has standard deviation half the distance), and e on
/// the side of ½ given by the sign of (x₁ − x₂)(y₁ − y₂) — so a heat map can place both wing
/// tips without ever choosing which is "first". ε = 10⁻⁶ (a tenth of a per cent of the side,
/// squared) keeps the square roots differentiable when a map collapses to one cell.
///
/// Pullback: for any expectation E[g] of the softmax p over logits l, ∂E[g]/∂lₖ = pₖ(gₖ − E[g]);
/// hence ∂Var x/∂lₖ = pₖ((xₖ − E x)² − Var x) and ∂Cov/∂lₖ = pₖ((xₖ − E x)(yₖ − E y) − Cov).
public func spatialSoftPointPair(_ x: Variable, cellSize: MapCellSize? = nil) -> Variable {
    let (n, h, w, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let cells = h * w
    let epsilon: Float = 1e-6
    let (gridX, gridY) = MapCellSize.grid(cellSize, h: h, w: w)
    /// Per (sample, channel): the moments the pullback needs (with the softmax).
    struct Moments { var ex: Float = 0, ey: Float = 0, vx: Float = 0, vy: Float = 0, cov: Float = 0 }
    let probabilities = softmaxOverCells(x.value)
    var moments = [Moments](repeating: Moments(), count: n * channels)
    var out = Tensor(shape: [n, 5 * channels])
    for b in 0..<n {
        for ch in 0..<channels {
            let base = (b * channels + ch) * cells
            var m = Moments()
            for k in 0..<cells {
                m.ex += probabilities[base + k] * gridX[k]
                m.ey += probabilities[base + k] * gridY[k]
            }
            // Central moments summed directly (not E[x²] − E[x]², which cancels badly).
            for k in 0..<cells {
                let p = probabilities[base + k], dx = gridX[k] - m.ex, dy = gridY[k] - m.ey
                m.vx += p * dx * dx
                m.vy += p * dy * dy
                m.cov += p * dx * dy
            }
            moments[b * channels + ch] = m
            let o = b * 5 * channels + 5 * ch
            out.scalars[o] = m.ex
            out.scalars[o + 1] = m.ey
            out.scalars[o + 2] = 2 * (m.vx + epsilon).squareRoot()
            out.scalars[o + 3] = 2 * (m.vy + epsilon).squareRoot()
            out.scalars[o + 4] = 0.5 + 0.5 * m.cov / (m.vx * m.vy + epsilon * epsilon).squareRoot()
        }
    }
    return Variable(value: out, inputs: [x]) { g in
        var gx = Tensor(shape: x.shape)
        for b in 0..<n {
            for ch in 0..<channels {
                let m = moments[b * channels + ch], o = b * 5 * channels + 5 * ch
                // Chain through c, d and e to the five moments…
                let product = m.vx * m.vy + epsilon * epsilon, root = product.squareRoot()
                let gEx = g.scalars[o], gEy = g.scalars[o + 1], gE = g.scalars[o + 4]
                let gCov = gE * 0.5 / root
                let gVx = g.scalars[o + 2] / (m.vx + epsilon).squareRoot() - gE * 0.25 * m.cov * m.vy / (product * root)
                let gVy = g.scalars[o + 3] / (m.vy + epsilon).squareRoot() - gE * 0.25 * m.cov * m.vx / (product * root)
                // …and from the moments to every cell's logit.
                let base = (b * channels + ch) * cells
                for k in 0..<cells {
                    let dx = gridX[k] - m.ex, dy = gridY[k] - m.ey
                    let inner = gEx * dx + gEy * dy + gVx * (dx * dx - m.vx) + gVy * (dy * dy - m.vy) + gCov * (dx * dy - m.cov)
                    gx.scalars[(b * cells + k) * channels + ch] = probabilities[base + k] * inner
                }
            }
        }
        return [gx]
    }
}
