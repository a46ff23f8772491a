import TensorKernels
import Tensors

/// Element-wise activation with its derivative (formulas in `Elementwise`).
public func activation(_ x: Variable, _ kind: Elementwise.Activation) -> Variable {
    if kind == .identity { return x }
    var out = Tensor.uninitialized(x.shape)
    x.value.withUnsafePointer { xp in out.withUnsafeMutablePointer { Elementwise.activate(kind, xp, $0, count: x.value.count) } }
    return Variable(value: out, inputs: [x]) { gradOut in
        var gx = Tensor.uninitialized(x.shape)
        let count = gx.count
        x.value.withUnsafePointer { xp in
            gradOut.withUnsafePointer { gp in
                gx.withUnsafeMutablePointer {
                    Elementwise.activationBackward(kind, input: xp, outputGradient: gp, inputGradient: $0, count: count)
                }
            }
        }
        return [gx]
    }
}

public func relu(_ x: Variable) -> Variable { activation(x, .relu) }
public func relu6(_ x: Variable) -> Variable { activation(x, .relu6) }
/// x · relu6(x + 3) / 6
public func hardswish(_ x: Variable) -> Variable { activation(x, .hardswish) }
/// relu6(x + 3) / 6
public func hardsigmoid(_ x: Variable) -> Variable { activation(x, .hardsigmoid) }
public func sigmoid(_ x: Variable) -> Variable { activation(x, .sigmoid) }
