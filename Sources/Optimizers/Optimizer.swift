import Autograd
import Tensors

/// Parameters that share optimisation settings (e.g. the head at 10× the backbone's rate).
public struct ParameterGroup {
    public var parameters: [Variable]
    /// Multiplies the optimizer's (scheduled) learning rate for this group.
    public var learningRateScale: Float
    /// L2 penalty (SGD, Adam) or decoupled decay (AdamW) for this group.
    public var weightDecay: Float

    public init(_ parameters: [Variable], learningRateScale: Float = 1, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRateScale = learningRateScale
        self.weightDecay = weightDecay
    }
}

/// Updates parameters from their accumulated gradients. Parameters that are frozen
/// (`requiresGrad == false`) or have no gradient are left alone, so staged training can
/// freeze parts of a model without rebuilding the optimizer.
public class Optimizer {
    public var groups: [ParameterGroup]
    /// The base learning rate; schedules set it before each step.
    public var learningRate: Float
    /// Steps taken (for Adam's bias correction and for checkpoints).
    public internal(set) var stepCount = 0
    /// Per-parameter state (momentum buffers, moments), indexed by the parameter's position
    /// across groups so it can be saved and restored by name.
    var slots: [String: Tensor] = [:]

    public init(groups: [ParameterGroup], learningRate: Float) {
        self.groups = groups
        self.learningRate = learningRate
    }

    public convenience init(parameters: [Variable], learningRate: Float, weightDecay: Float = 0) {
        self.init(groups: [ParameterGroup(parameters, weightDecay: weightDecay)], learningRate: learningRate)
    }

    /// Applies one update to every trainable parameter with a gradient.
    public func step() {
        stepCount += 1
        for (g, group) in groups.enumerated() {
            let rate = learningRate * group.learningRateScale
            for (p, parameter) in group.parameters.enumerated() where parameter.requiresGrad {
                guard let gradient = parameter.grad else { continue }
                update(parameter, gradient: gradient, learningRate: rate, weightDecay: group.weightDecay, key: "\(g).\(p)")
            }
        }
    }

    /// Clears the gradients of every parameter (before accumulating the next batch).
    public func zeroGrad() {
        for group in groups { for parameter in group.parameters { parameter.grad = nil } }
    }

    /// Override point: update one parameter. `key` names its state slots.
    func update(_ parameter: Variable, gradient: Tensor, learningRate: Float, weightDecay: Float, key: String) {
        preconditionFailure("\(type(of: self)) must override update")
    }

    /// The optimizer's state as named tensors (for checkpoints).
    public var state: [String: Tensor] {
        var out = slots
        out["step"] = .scalar(Float(stepCount))
        out["learning_rate"] = .scalar(learningRate)
        return out
    }

    /// Restores `state` written by the same kind of optimizer over the same parameters.
    public func load(state: [String: Tensor]) {
        stepCount = Int(state["step"]?.scalars.first ?? 0)
        if let rate = state["learning_rate"]?.scalars.first { learningRate = rate }
        slots = state.filter { $0.key != "step" && $0.key != "learning_rate" }
    }
}

extension Tensor {
    /// self += s · other, element-wise.
    mutating func addScaled(_ other: Tensor, _ s: Float) {
        scalars.withUnsafeMutableBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += s * b[i] }
            }
        }
    }
}
