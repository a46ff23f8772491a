import Autograd
import Tensors

/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay, with
/// PyTorch's update rule (dampening 0): g ← ∇ + λ·p; b ← μ·b + g (b = g at the first step);
/// direction = g + μ·b (Nesterov) or b; p ← p − lr·direction.
public final class SGD: Optimizer {
    public var momentum: Float
    public var nesterov: Bool

    public init(groups: [ParameterGroup], learningRate: Float, momentum: Float = 0, nesterov: Bool = false) {
        precondition(!nesterov || momentum > 0, "Nesterov momentum needs momentum > 0")
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(groups: groups, learningRate: learningRate)
    }

    public convenience init(parameters: [Variable], learningRate: Float, momentum: Float = 0, nesterov: Bool = false,
                            weightDecay: Float = 0) {
        self.init(groups: [ParameterGroup(parameters, weightDecay: weightDecay)], learningRate: learningRate,
                  momentum: momentum, nesterov: nesterov)
    }

    override func update(_ parameter: Variable, gradient: Tensor, learningRate: Float, weightDecay: Float, key: String) {
        var g = gradient
        if weightDecay != 0 { g.addScaled(parameter.value, weightDecay) }
        if momentum != 0 {
            var buffer: Tensor
            if var previous = slots["momentum." + key] {
                for i in 0..<previous.count { previous.scalars[i] = momentum * previous.scalars[i] + g.scalars[i] }
                buffer = previous
            } else {
                buffer = g
            }
            slots["momentum." + key] = buffer
            if nesterov { g.addScaled(buffer, momentum) } else { g = buffer }
        }
        parameter.value.addScaled(g, -learningRate)
    }
}
