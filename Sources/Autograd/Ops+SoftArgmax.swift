import Foundation
import Tensors

/// Where the cells of a map sit in its image, in coordinates normalised to the image: cell
/// (i, j) at ((j + ½)·width, (i + ½)·height). A map that covers the image exactly has cells 1/W
/// wide (`nil` in the ops below). A stride-s map of an S-pixel input whose side is not a
/// multiple of s does not: its last cell hangs over the image's edge, and its cells are s/S wide
/// — with 1/W instead, the grid would shrink and stretch from one input size to the next, and a
/// map head trained across sizes (progressive learning) could not learn one placement for all.
public struct MapCellSize: Sendable, Equatable {
    public var width: Float, height: Float
    public init(width: Float, height: Float) { self.width = width; self.height = height }

    /// Cells of a stride-`stride` feature map of an input of the given pixel size.
    public init(stride: Int, inputHeight: Int, inputWidth: Int) {
        self.init(width: Float(stride) / Float(inputWidth), height: Float(stride) / Float(inputHeight))
    }

    /// Normalised cell centres of an h × w map, x and y of every cell in row-major order.
    static func grid(_ size: MapCellSize?, h: Int, w: Int) -> (x: [Float], y: [Float]) {
        let cw = size?.width ?? 1 / Float(w), ch = size?.height ?? 1 / Float(h)
        return ((0..<(h * w)).map { (Float($0 % w) + 0.5) * cw }, (0..<(h * w)).map { (Float($0 / w) + 0.5) * ch })
    }
}

/// Spatial soft-argmax ("integral regression", Sun et al., ECCV 2018): each channel of a
/// [N, H, W, C] map of logits becomes a probability map by a softmax over its H·W cells, and
/// the output is that map's expected position, [N, 2C] as (x, y) per channel, in coordinates
/// normalised to the image (cell centres as `cellSize` places them; by default cell (i, j) at
/// ((j + ½)/W, (i + ½)/H)).
///
/// Unlike a vector pooled over the whole map, it keeps where in the image the evidence is, and
/// it is differentiable: ∂x̂/∂logitₖ = pₖ (xₖ − x̂) (likewise for y).
public func spatialSoftArgmax(_ x: Variable, cellSize: MapCellSize? = nil) -> Variable {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let cells = h * w
    let (gridX, gridY) = MapCellSize.grid(cellSize, h: h, w: w)
    // Probabilities kept for the pullback.
    let probabilities = softmaxOverCells(x.value)
    var out = Tensor(shape: [n, 2 * c])
    for b in 0..<n {
        for ch in 0..<c {
            let base = (b * c + ch) * cells
            var ex: Float = 0, ey: Float = 0
            for k in 0..<cells {
                let p = probabilities[base + k]
                ex += p * gridX[k]
                ey += p * gridY[k]
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
                    gx.scalars[(b * cells + k) * c + ch] = probabilities[base + k] * (gX * (gridX[k] - ex) + gY * (gridY[k] - ey))
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
