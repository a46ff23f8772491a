import TensorKernels
import Tensors

/// y = x · Wᵀ + b. x: [N, in]; weight: [out, in] (PyTorch layout); bias: [out].
public func linear(_ x: Variable, weight: Variable, bias: Variable? = nil) -> Variable {
    let n = x.shape[0], inFeatures = x.shape[1], outFeatures = weight.shape[0]
    precondition(x.shape.count == 2 && weight.shape == [outFeatures, inFeatures],
                 "linear: input \(x.shape) does not fit weight \(weight.shape)")
    var out = Tensor(shape: [n, outFeatures])
    x.value.withUnsafePointer { xp in weight.value.withUnsafePointer { wp in out.withUnsafeMutablePointer { op in
        GEMM.sgemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: xp, lda: inFeatures, b: wp, ldb: inFeatures,
                   c: op, ldc: outFeatures)
        if let bias { bias.value.withUnsafePointer { Elementwise.addRowVector(op, rows: n, columns: outFeatures, vector: $0) } }
    }}}
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return Variable(value: out, inputs: inputs) { g in
        var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
        g.withUnsafePointer { gp in
            if x.requiresGrad {
                var t = Tensor(shape: x.shape)
                weight.value.withUnsafePointer { wp in t.withUnsafeMutablePointer {
                    GEMM.sgemm(m: n, n: inFeatures, k: outFeatures, a: gp, lda: outFeatures, b: wp, ldb: inFeatures, c: $0, ldc: inFeatures)
                }}
                gx = t
            }
            if weight.requiresGrad {
                var t = Tensor(shape: weight.shape)
                x.value.withUnsafePointer { xp in t.withUnsafeMutablePointer {
                    GEMM.sgemm(transA: true, m: outFeatures, n: inFeatures, k: n, a: gp, lda: outFeatures, b: xp, ldb: inFeatures,
                               c: $0, ldc: inFeatures)
                }}
                gw = t
            }
            if bias?.requiresGrad ?? false {
                var t = Tensor(shape: [outFeatures])
                t.withUnsafeMutablePointer { Elementwise.sumRows(gp, rows: n, columns: outFeatures, into: $0) }
                gb = t
            }
        }
        return bias == nil ? [gx, gw] : [gx, gw, gb]
    }
}

/// Inverted dropout: in training each element is zeroed with probability p and the rest
/// scaled by 1/(1−p); identity when not training or p = 0.
public func dropout(_ x: Variable, probability p: Float, training: Bool, rng: inout RandomSource) -> Variable {
    guard training && p > 0 else { return x }
    precondition(p < 1, "dropout probability must be below 1")
    let keepScale = 1 / (1 - p)
    var mask = Tensor(shape: x.shape)
    for i in 0..<mask.count { mask.scalars[i] = rng.uniform() < p ? 0 : keepScale }
    var out = x.value
    for i in 0..<out.count { out.scalars[i] *= mask.scalars[i] }
    return Variable(value: out, inputs: [x]) { g in
        var gx = g
        for i in 0..<gx.count { gx.scalars[i] *= mask.scalars[i] }
        return [gx]
    }
}
