import TensorKernels
import Tensors

/// Mean over height and width: [N, H, W, C] → [N, 1, 1, C].
public func globalAveragePool(_ x: Variable) -> Variable {
    let n = x.shape[0], pixels = x.shape[1] * x.shape[2], c = x.shape[3]
    var out = Tensor.uninitialized([n, 1, 1, c])
    x.value.withUnsafePointer { xp in
        out.withUnsafeMutablePointer { Pooling.globalAveragePool(xp, batch: n, pixels: pixels, channels: c, output: $0) }
    }
    return Variable(value: out, inputs: [x]) { g in
        var gx = Tensor.uninitialized(x.shape)
        g.withUnsafePointer { gp in
            gx.withUnsafeMutablePointer { Pooling.globalAveragePoolBackward(gp, batch: n, pixels: pixels, channels: c, inputGradient: $0) }
        }
        return [gx]
    }
}

/// Max pooling, k×k window, stride s, padding p (padded cells never win).
public func maxPool2d(_ x: Variable, kernel k: Int, stride s: Int, padding p: Int = 0) -> Variable {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    var out = Tensor(shape: [n, oh, ow, c])
    var argmax = [Int32](repeating: 0, count: out.count)
    x.value.withUnsafePointer { xp in
        out.withUnsafeMutablePointer { op in
            argmax.withUnsafeMutableBufferPointer { ap in
                Pooling.maxPool(xp, batch: n, height: h, width: w, channels: c, kernel: k, stride: s, padding: p,
                                output: op, argmax: ap.baseAddress)
            }
        }
    }
    return Variable(value: out, inputs: [x]) { g in
        var gx = Tensor(shape: x.shape)
        for i in 0..<g.count where argmax[i] >= 0 { gx.scalars[Int(argmax[i])] += g.scalars[i] }
        return [gx]
    }
}

/// 2× upsampling, nearest neighbour or bilinear (align_corners = false), NHWC.
public func upsample2x(_ x: Variable, bilinear: Bool = false) -> Variable {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    var out = Tensor.uninitialized([n, 2 * h, 2 * w, c])
    x.value.withUnsafePointer { xp in
        out.withUnsafeMutablePointer { op in
            if bilinear {
                Pooling.upsampleBilinear2x(xp, batch: n, height: h, width: w, channels: c, output: op)
            } else {
                Pooling.upsampleNearest2x(xp, batch: n, height: h, width: w, channels: c, output: op)
            }
        }
    }
    return Variable(value: out, inputs: [x]) { g in
        var gx = Tensor.uninitialized(x.shape)
        g.withUnsafePointer { gp in
            gx.withUnsafeMutablePointer { gxp in
                if bilinear {
                    Pooling.upsampleBilinear2xBackward(gp, batch: n, height: h, width: w, channels: c, inputGradient: gxp)
                } else {
                    Pooling.upsampleNearest2xBackward(gp, batch: n, height: h, width: w, channels: c, inputGradient: gxp)
                }
            }
        }
        return [gx]
    }
}
