import TensorKernels
import Tensors

/// 2-D convolution. x: [N, H, W, C] (NHWC); weight: [O, KH, KW, C/groups] (OHWI); bias: [O].
/// Output [N, OH, OW, O]. Padding is symmetric, as PyTorch's `padding=p`.
public func conv2d(_ x: Variable, weight: Variable, bias: Variable? = nil, stride: Int = 1, padding: Int = 0,
                   dilation: Int = 1, groups: Int = 1) -> Variable {
    precondition(x.shape.count == 4 && weight.shape.count == 4, "conv2d needs NHWC input and OHWI weight")
    let g = ConvGeometry(batch: x.shape[0], inHeight: x.shape[1], inWidth: x.shape[2], inChannels: x.shape[3],
                         outChannels: weight.shape[0], kernel: (weight.shape[1], weight.shape[2]),
                         stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation),
                         groups: groups)
    if let problem = g.problem { preconditionFailure("conv2d \(g): \(problem)") }
    precondition(weight.shape[3] == g.inChannelsPerGroup, "weight \(weight.shape) does not fit \(g)")
    var output = Tensor.uninitialized([g.batch, g.outHeight, g.outWidth, g.outChannels])
    var scratch = [Float](repeating: 0, count: Convolution.scratchCount(g))
    x.value.withUnsafePointer { xp in
        weight.value.withUnsafePointer { wp in
            output.withUnsafeMutablePointer { op in
                scratch.withUnsafeMutableBufferPointer { sp in
                    if let bias {
                        bias.value.withUnsafePointer { bp in
                            Convolution.forward(g, input: xp, weight: wp, bias: bp, output: op, scratch: sp.baseAddress)
                        }
                    } else {
                        Convolution.forward(g, input: xp, weight: wp, bias: nil, output: op, scratch: sp.baseAddress)
                    }
                }
            }
        }
    }
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return Variable(value: output, inputs: inputs) { gradOut in
        var gx = x.requiresGrad ? Tensor.uninitialized(x.shape) : nil
        var gw = weight.requiresGrad ? Tensor(shape: weight.shape) : nil
        var gb = (bias?.requiresGrad ?? false) ? Tensor(shape: [g.outChannels]) : nil
        var scratch = [Float](repeating: 0, count: Convolution.scratchCount(g))
        x.value.withUnsafePointer { xp in
            weight.value.withUnsafePointer { wp in
                gradOut.withUnsafePointer { gp in
                    scratch.withUnsafeMutableBufferPointer { sp in
                        withOptionalMutablePointer(&gx) { gxp in
                            withOptionalMutablePointer(&gw) { gwp in
                                withOptionalMutablePointer(&gb) { gbp in
                                    Convolution.backward(g, input: xp, weight: wp, outputGradient: gp, inputGradient: gxp,
                                                         weightGradient: gwp, biasGradient: gbp, scratch: sp.baseAddress)
                                }
                            }
                        }
                    }
                }
            }
        }
        return bias == nil ? [gx, gw] : [gx, gw, gb]
    }
}

/// Calls `body` with a pointer to the tensor's values, or nil when there is no tensor.
func withOptionalMutablePointer<R>(_ tensor: inout Tensor?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    if tensor == nil { return body(nil) }
    return tensor!.withUnsafeMutablePointer { body($0) }
}
