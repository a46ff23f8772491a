import Foundation
import Tensors

/// The order-free code of two points, differentiably: [N, 4] rows (x₁, y₁, x₂, y₂) → [N, 5] rows
///
///     a = (x₁ + x₂)/2,  b = (y₁ + y₂)/2,  c = |x₁ − x₂|,  d = |y₁ − y₂|,
///     e = σ((x₁ − x₂)(y₁ − y₂) / τ)
///
/// — the wing-tip code of `KeypointEncoding`, whose e is the step "(x₁ − x₂)(y₁ − y₂) > 0"; here
/// a sigmoid of it, so a loss on e moves the points. Swapping the two points changes nothing, so
/// two maps trained through this code may each take either tip (whichever is easier to tell
/// apart), which is the order-free matching of the two tips moved into the loss.
///
/// τ sets how soft e is, in squared crop-normalised units: with τ = 0.01, tips 0.1 apart in x and
/// y give e = σ(±1) ≈ 0.73 / 0.27, 0.3 apart σ(±9) — decided, yet never so flat that a wrong
/// diagonal gets no gradient back. e ≥ ½ exactly when the product is positive, as decoding reads it.
public func orderFreePairCode(_ points: Variable, tau: Float = 0.01) -> Variable {
    precondition(points.shape.count == 2 && points.shape[1] == 4, "orderFreePairCode: [N, 4] points, got \(points.shape)")
    let n = points.shape[0], p = points.value.scalars
    var out = Tensor(shape: [n, 5])
    var diagonal = [Float](repeating: 0, count: n)   // e per row, kept for the pullback
    for i in 0..<n {
        let (x1, y1, x2, y2) = (p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3])
        let e = 1 / (1 + Foundation.exp(-(x1 - x2) * (y1 - y2) / tau))
        diagonal[i] = e
        out.scalars.replaceSubrange((5 * i)..<(5 * i + 5), with: [(x1 + x2) / 2, (y1 + y2) / 2, abs(x1 - x2), abs(y1 - y2), e])
    }
    return Variable(value: out, inputs: [points]) { g in
        var gp = Tensor(shape: points.shape)
        for i in 0..<n {
            let dx = p[4 * i] - p[4 * i + 2], dy = p[4 * i + 1] - p[4 * i + 3]
            let ga = g.scalars[5 * i], gb = g.scalars[5 * i + 1], gc = g.scalars[5 * i + 2], gd = g.scalars[5 * i + 3]
            let slope = g.scalars[5 * i + 4] * diagonal[i] * (1 - diagonal[i]) / tau   // ∂L/∂(dx·dy)
            let signX: Float = dx > 0 ? 1 : (dx < 0 ? -1 : 0), signY: Float = dy > 0 ? 1 : (dy < 0 ? -1 : 0)
            let gdx = gc * signX + slope * dy, gdy = gd * signY + slope * dx   // ∂L/∂dx, ∂L/∂dy
            gp.scalars[4 * i] = ga / 2 + gdx
            gp.scalars[4 * i + 1] = gb / 2 + gdy
            gp.scalars[4 * i + 2] = ga / 2 - gdx
            gp.scalars[4 * i + 3] = gb / 2 - gdy
        }
        return [gp]
    }
}
