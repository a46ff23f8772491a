import TensorKernels
import Tensors

/// Element-wise sum of two tensors of the same shape (residual connections).
public func add(_ a: Variable, _ b: Variable) -> Variable {
    precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
    return Variable(value: a.value + b.value, inputs: [a, b]) { g in [g, g] }
}

public func + (a: Variable, b: Variable) -> Variable { add(a, b) }

/// Scales each channel of each image: x [N, H, W, C] · s [N, 1, 1, C] (squeeze-and-excite).
public func scaleChannels(_ x: Variable, by s: Variable) -> Variable {
    let n = x.shape[0], c = x.shape[3], pixels = x.shape[1] * x.shape[2]
    precondition(s.shape == [n, 1, 1, c], "scaleChannels: scale \(s.shape) does not fit \(x.shape)")
    var out = x.value
    out.withUnsafeMutablePointer { op in
        s.value.withUnsafePointer { Elementwise.scaleChannelsInPlace(op, batch: n, pixels: pixels, channels: c, scales: $0) }
    }
    return Variable(value: out, inputs: [x, s]) { g in
        var gx = g, gs = Tensor.uninitialized(s.shape)
        gx.withUnsafeMutablePointer { gxp in
            s.value.withUnsafePointer { Elementwise.scaleChannelsInPlace(gxp, batch: n, pixels: pixels, channels: c, scales: $0) }
        }
        g.withUnsafePointer { gp in x.value.withUnsafePointer { xp in gs.withUnsafeMutablePointer {
            Elementwise.channelDotPerImage(gp, xp, batch: n, pixels: pixels, channels: c, output: $0)
        }}}
        return [gx, gs]
    }
}

/// The same values with a new shape (e.g. [N, 1, 1, C] → [N, C]).
public func reshape(_ x: Variable, _ shape: [Int]) -> Variable {
    let original = x.shape
    return Variable(value: x.value.reshaped(shape), inputs: [x]) { g in [g.reshaped(original)] }
}

/// [N, …] → [N, product of the rest].
public func flatten(_ x: Variable) -> Variable {
    reshape(x, [x.shape[0], x.value.count / max(x.shape[0], 1)])
}

/// Concatenation along the last (channel) axis; all other dimensions must agree.
public func concatChannels(_ parts: [Variable]) -> Variable {
    precondition(!parts.isEmpty, "concat of nothing")
    let lead = Array(parts[0].shape.dropLast())
    precondition(parts.allSatisfy { Array($0.shape.dropLast()) == lead }, "concat: leading shapes differ")
    let widths = parts.map { $0.shape.last! }
    let total = widths.reduce(0, +)
    let rows = lead.reduce(1, *)
    var out = Tensor(shape: lead + [total])
    var offset = 0
    for (part, w) in zip(parts, widths) {
        for r in 0..<rows {
            for j in 0..<w { out.scalars[r * total + offset + j] = part.value.scalars[r * w + j] }
        }
        offset += w
    }
    return Variable(value: out, inputs: parts) { g in
        var grads: [Tensor?] = []
        var offset = 0
        for (part, w) in zip(parts, widths) {
            var gp = Tensor(shape: part.shape)
            for r in 0..<rows {
                for j in 0..<w { gp.scalars[r * w + j] = g.scalars[r * total + offset + j] }
            }
            grads.append(gp)
            offset += w
        }
        return grads
    }
}

/// Mean of all elements, as a scalar tensor of shape [].
public func mean(_ x: Variable) -> Variable {
    let n = Float(x.value.count)
    let total = x.value.scalars.reduce(Double(0)) { $0 + Double($1) }
    return Variable(value: .scalar(Float(total / Double(n))), inputs: [x]) { g in
        [Tensor(shape: x.shape, repeating: g.scalars[0] / n)]
    }
}

/// x · s for a constant s.
public func scale(_ x: Variable, _ s: Float) -> Variable {
    Variable(value: x.value * s, inputs: [x]) { g in [g * s] }
}

/// Channels `range` of the last axis (the inverse of `concatChannels`): e.g. the heat-map and
/// box channels of a detector output, or the trait and keypoint columns of a classifier.
public func sliceChannels(_ x: Variable, _ range: Range<Int>) -> Variable {
    let c = x.shape.last!
    precondition(range.lowerBound >= 0 && range.upperBound <= c && !range.isEmpty, "sliceChannels: \(range) of \(c) channels")
    let lead = Array(x.shape.dropLast()), rows = lead.reduce(1, *), w = range.count
    var out = Tensor.uninitialized(lead + [w])
    for r in 0..<rows {
        for j in 0..<w { out.scalars[r * w + j] = x.value.scalars[r * c + range.lowerBound + j] }
    }
    let shape = x.shape
    return Variable(value: out, inputs: [x]) { g in
        var gx = Tensor(shape: shape)
        for r in 0..<rows {
            for j in 0..<w { gx.scalars[r * c + range.lowerBound + j] = g.scalars[r * w + j] }
        }
        return [gx]
    }
}
