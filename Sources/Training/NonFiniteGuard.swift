import Autograd
import Tensors

/// Raised when a loss or a gradient stops being a finite number: training must stop there,
/// before the optimizer writes NaN into the weights (the last checkpoint stays the good one).
public struct NonFiniteError: Error, CustomStringConvertible {
    public let what: String
    public let step: Int
    public var description: String {
        "training stopped at step \(step): \(what) is NaN or infinite (lower the learning rate or check the data; the last checkpoint is unchanged)"
    }
}

public enum NonFiniteGuard {
    /// Checks the loss and every parameter gradient; names the first offender.
    public static func check(loss: Variable, parameters: [(String, Variable)], step: Int) throws(NonFiniteError) {
        guard loss.value.isFinite else { throw NonFiniteError(what: "the loss", step: step) }
        for (name, parameter) in parameters {
            if let grad = parameter.grad, !grad.isFinite {
                throw NonFiniteError(what: "the gradient of '\(name)'", step: step)
            }
        }
    }
}
