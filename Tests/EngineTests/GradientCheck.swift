import Autograd
import Tensors
import Testing

/// Finite-difference gradient check. The engine is float32, so differences use a step of
/// 1e-2 with central differences (error O(h²) ≈ 1e-4 on smooth functions) and compare with
/// a relative tolerance; inputs are drawn away from kinks by the callers.
/// `function` must build a fresh graph from the given leaves and return a scalar.
func checkGradients(_ inputs: [Tensor], step: Float = 1e-2, tolerance: Float = 2e-2,
                    sourceLocation: SourceLocation = #_sourceLocation, _ function: ([Variable]) -> Variable) {
    let leaves = inputs.map { Variable($0, requiresGrad: true) }
    let output = function(leaves)
    precondition(output.value.count == 1, "gradient check needs a scalar function")
    output.backward()
    for (index, input) in inputs.enumerated() {
        guard let analytic = leaves[index].grad else {
            Issue.record("input \(index) received no gradient", sourceLocation: sourceLocation)
            continue
        }
        var worst: Float = 0
        var scale: Float = 1
        for i in 0..<input.count {
            func evaluate(_ delta: Float) -> Double {
                var shifted = inputs
                shifted[index].scalars[i] += delta
                return Double(function(shifted.map { Variable($0) }).value.scalars[0])
            }
            let numeric = Float((evaluate(step) - evaluate(-step)) / Double(2 * step))
            worst = max(worst, abs(numeric - analytic.scalars[i]))
            scale = max(scale, abs(numeric))
        }
        #expect(worst <= tolerance * scale, "input \(index): max |numeric − analytic| = \(worst)", sourceLocation: sourceLocation)
    }
}

/// Σ output·weights with fixed pseudo-random weights: turns any op into a scalar whose
/// gradient exercises every output element differently.
func weightedSum(_ x: Variable, seed: UInt64 = 7) -> Variable {
    var rng = RandomSource(seed: seed)
    let weights = Tensor.uniform(x.shape, low: -1, high: 1, using: &rng)
    return Loss.mse(x, targets: weights) // smooth, depends on every element
}

func random(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var rng = RandomSource(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, using: &rng)
}
