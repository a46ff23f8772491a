import Foundation

/// Element-wise kernels: activations and their derivatives, row/column reductions.
/// Activation formulas follow PyTorch (hardswish = x·relu6(x+3)/6, hardsigmoid = relu6(x+3)/6).
public enum Elementwise {
    public enum Activation: String, Sendable, CaseIterable {
        case identity, relu, relu6, hardswish, hardsigmoid, sigmoid
    }

    @inline(__always) @usableFromInline
    static func apply(_ a: Activation, _ x: Float) -> Float {
        switch a {
        case .identity: return x
        case .relu: return max(x, 0)
        case .relu6: return min(max(x, 0), 6)
        case .hardswish: return x * min(max(x + 3, 0), 6) * (1 / 6)
        case .hardsigmoid: return min(max(x + 3, 0), 6) * (1 / 6)
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        }
    }

    /// d activation / dx at input x (PyTorch's conventions at the kinks: relu'(0) = 0,
    /// hardswish'(−3) = 0 and hardswish'(3) = 1.5 from its x/3 + 0.5 branch, hardsigmoid' = 1/6
    /// strictly inside (−3, 3)).
    @inline(__always) @usableFromInline
    static func derivative(_ a: Activation, _ x: Float) -> Float {
        switch a {
        case .identity: return 1
        case .relu: return x > 0 ? 1 : 0
        case .relu6: return (x > 0 && x < 6) ? 1 : 0
        case .hardswish: return x < -3 ? 0 : (x <= 3 ? x / 3 + 0.5 : 1)
        case .hardsigmoid: return (x > -3 && x < 3) ? 1 / 6 : 0
        case .sigmoid:
            let s = 1 / (1 + Foundation.exp(-x))
            return s * (1 - s)
        }
    }

    /// out[i] = a(x[i]); `out` may equal `x`.
    public static func activate(_ a: Activation, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        if a == .identity {
            if UnsafePointer(out) != x { out.update(from: x, count: count) }
            return
        }
        let xP = SendablePointer(x), oP = SendablePointer(out)
        parallelChunks(count, minimumPerThread: 16384) { range in
            switch a {
            case .relu: for i in range { oP.base[i] = max(xP.base[i], 0) }
            case .relu6: for i in range { oP.base[i] = min(max(xP.base[i], 0), 6) }
            case .hardswish: for i in range { let v = xP.base[i]; oP.base[i] = v * min(max(v + 3, 0), 6) * (1 / 6) }
            case .hardsigmoid: for i in range { oP.base[i] = min(max(xP.base[i] + 3, 0), 6) * (1 / 6) }
            default: for i in range { oP.base[i] = apply(a, xP.base[i]) }
            }
        }
    }

    /// gradIn[i] = gradOut[i] · a'(x[i]).
    public static func activationBackward(_ a: Activation, input x: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                          inputGradient: UnsafeMutablePointer<Float>, count: Int) {
        activationBackwardSIMD(a, input: x, outputGradient: outputGradient, inputGradient: inputGradient, count: count)
    }

    /// matrix[r, :] += vector for every row (bias add).
    public static func addRowVector(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int, vector: UnsafePointer<Float>) {
        let mP = SendablePointer(matrix), vP = SendablePointer(vector)
        parallelChunks(rows, minimumPerThread: 256) { range in
            for r in range {
                let row = mP.base + r * columns
                for c in 0..<columns { row[c] += vP.base[c] }
            }
        }
    }

    /// out[c] = Σ_r matrix[r, c] (bias gradient, channel sums). Accumulates in Double so long
    /// sums (batch × pixels) keep float precision.
    public static func sumRows(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
        var sums = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            let row = matrix + r * columns
            for c in 0..<columns { sums[c] += Double(row[c]) }
        }
        for c in 0..<columns { out[c] = Float(sums[c]) }
    }
}
