/// Dense and grouped convolutions (NHWC, OHWI weights) through im2col + GEMM; depthwise
/// convolutions go to `Depthwise`. Pointwise convolutions skip im2col entirely.
public enum Convolution {
    /// Floats of scratch space `forward`/`backward` need for `g` (0 when none).
    public static func scratchCount(_ g: ConvGeometry) -> Int {
        if g.isPointwise || g.isDepthwise { return 0 }
        return g.outputPixels * g.patchSize
    }

    /// output = conv(input, weight) + bias.
    public static func forward(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                               scratch: UnsafeMutablePointer<Float>?) {
        if g.isDepthwise {
            Depthwise.forward(g, input: input, weight: weight, bias: bias, output: output)
            return
        }
        let m = g.outputPixels, og = g.outChannelsPerGroup, k = g.patchSize
        if g.isPointwise {
            GEMM.sgemm(transB: true, m: m, n: g.outChannels, k: k, a: input, lda: k, b: weight, ldb: k,
                       c: output, ldc: g.outChannels)
        } else {
            guard let scratch else { preconditionFailure("convolution \(g) needs \(scratchCount(g)) floats of scratch") }
            for group in 0..<g.groups {
                Im2Col.im2col(g, group: group, input: input, columns: scratch)
                GEMM.sgemm(transB: true, m: m, n: og, k: k, a: scratch, lda: k, b: weight + group * og * k, ldb: k,
                           c: output + group * og, ldc: g.outChannels)
            }
        }
        if let bias { Elementwise.addRowVector(output, rows: m, columns: g.outChannels, vector: bias) }
    }

    /// Gradients of `forward`. Each gradient pointer that is non-nil is OVERWRITTEN.
    public static func backward(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?,
                                weightGradient: UnsafeMutablePointer<Float>?,
                                biasGradient: UnsafeMutablePointer<Float>?,
                                scratch: UnsafeMutablePointer<Float>?) {
        if let biasGradient {
            Elementwise.sumRows(outputGradient, rows: g.outputPixels, columns: g.outChannels, into: biasGradient)
        }
        if g.isDepthwise {
            Depthwise.backward(g, input: input, weight: weight, outputGradient: outputGradient,
                               inputGradient: inputGradient, weightGradient: weightGradient)
            return
        }
        let m = g.outputPixels, og = g.outChannelsPerGroup, k = g.patchSize
        if g.isPointwise {
            if let weightGradient {
                GEMM.sgemm(transA: true, m: og, n: k, k: m, a: outputGradient, lda: g.outChannels, b: input, ldb: k,
                           c: weightGradient, ldc: k)
            }
            if let inputGradient {
                GEMM.sgemm(m: m, n: k, k: og, a: outputGradient, lda: g.outChannels, b: weight, ldb: k,
                           c: inputGradient, ldc: k)
            }
            return
        }
        guard let scratch else { preconditionFailure("convolution \(g) needs \(scratchCount(g)) floats of scratch") }
        if let inputGradient { inputGradient.update(repeating: 0, count: g.inputCount) }
        for group in 0..<g.groups {
            if let weightGradient {
                Im2Col.im2col(g, group: group, input: input, columns: scratch)
                GEMM.sgemm(transA: true, m: og, n: k, k: m, a: outputGradient + group * og, lda: g.outChannels,
                           b: scratch, ldb: k, c: weightGradient + group * og * k, ldc: k)
            }
            if let inputGradient {
                GEMM.sgemm(m: m, n: k, k: og, a: outputGradient + group * og, lda: g.outChannels,
                           b: weight + group * og * k, ldb: k, c: scratch, ldc: k)
                Im2Col.col2imAdd(g, group: group, columns: scratch, inputGradient: inputGradient)
            }
        }
    }
}
