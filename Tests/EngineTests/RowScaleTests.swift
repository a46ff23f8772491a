import Autograd
import Tensors
import Testing

/// `scaleRows` (batch-norm folding during training): values by hand, gradients to the tensor
/// and to the per-row factor against finite differences, for the fold (p = 1) and the unfold (p = −1).
@Suite struct RowScaleTests {
    @Test func valuesAreRowTimesFactor() {
        let x = Variable(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        let s = Variable(Tensor(shape: [2], scalars: [2, -0.5]))
        #expect(scaleRows(x, by: s, power: 1, constant: [1, 3]).value.scalars == [2, 4, 6, -6, -7.5, -9])
        #expect(scaleRows(x, by: s, power: -1, constant: [1, 1]).value.scalars == [0.5, 1, 1.5, -8, -10, -12])
    }

    @Test func gradientsMatchFiniteDifferences() {
        for power: Float in [1, -1] {
            checkGradients([random([3, 2, 2, 2], seed: 1), random([3], seed: 2, low: 0.5, high: 1.5)]) { v in
                weightedSum(scaleRows(v[0], by: v[1], power: power, constant: [0.7, 1.3, 2.0]))
            }
        }
    }
}
