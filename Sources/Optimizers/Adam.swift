import Foundation
import Autograd
import Tensors

/// Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), with PyTorch's formulas:
/// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
/// Adam adds weight decay to the gradient (g ← ∇ + λp); AdamW decays the weights directly
/// (p ← p − lr·λ·p) before the update.
public final class Adam: Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let decoupledWeightDecay: Bool

    public init(groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, decoupledWeightDecay: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.decoupledWeightDecay = decoupledWeightDecay
        super.init(groups: groups, learningRate: learningRate)
    }

    /// AdamW: Adam with decoupled weight decay (default 0.01 as in PyTorch).
    public static func adamW(groups: [ParameterGroup], learningRate: Float = 1e-3) -> Adam {
        Adam(groups: groups, learningRate: learningRate, decoupledWeightDecay: true)
    }

    override func update(_ parameter: Variable, gradient: Tensor, learningRate: Float, weightDecay: Float, key: String) {
        var g = gradient
        if weightDecay != 0 {
            if decoupledWeightDecay {
                parameter.value = parameter.value * (1 - learningRate * weightDecay)
            } else {
                g.addScaled(parameter.value, weightDecay)
            }
        }
        var m = slots["m." + key] ?? Tensor(shape: g.shape)
        var v = slots["v." + key] ?? Tensor(shape: g.shape)
        let t = Float(stepCount)
        let correction1 = 1 - Foundation.pow(beta1, t), correction2 = 1 - Foundation.pow(beta2, t)
        for i in 0..<g.count {
            m.scalars[i] = beta1 * m.scalars[i] + (1 - beta1) * g.scalars[i]
            v.scalars[i] = beta2 * v.scalars[i] + (1 - beta2) * g.scalars[i] * g.scalars[i]
            let denominator = (v.scalars[i] / correction2).squareRoot() + epsilon
            parameter.value.scalars[i] -= learningRate * (m.scalars[i] / correction1) / denominator
        }
        slots["m." + key] = m
        slots["v." + key] = v
    }
}
