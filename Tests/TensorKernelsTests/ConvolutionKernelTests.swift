import Testing
@testable import TensorKernels

/// Fast convolution paths (pointwise GEMM, im2col + GEMM, grouped, depthwise) against the
/// scalar reference, over odd and boundary shapes.
@Suite struct ConvolutionKernelTests {
    static func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { i in Float(((i &* 2_654_435_761 &+ seed &* 97) % 2001) - 1000) / 1000 }
    }

    static let shapes: [ConvGeometry] = [
        ConvGeometry(batch: 1, inHeight: 1, inWidth: 1, inChannels: 1, outChannels: 1, kernel: (1, 1)),
        ConvGeometry(batch: 2, inHeight: 5, inWidth: 7, inChannels: 3, outChannels: 4, kernel: (1, 1)),
        ConvGeometry(batch: 1, inHeight: 13, inWidth: 11, inChannels: 17, outChannels: 8, kernel: (3, 3), padding: (1, 1)),
        ConvGeometry(batch: 2, inHeight: 9, inWidth: 9, inChannels: 3, outChannels: 16, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        ConvGeometry(batch: 1, inHeight: 8, inWidth: 10, inChannels: 8, outChannels: 12, kernel: (3, 3), padding: (2, 2),
                     dilation: (2, 2), groups: 4),
        ConvGeometry(batch: 2, inHeight: 7, inWidth: 9, inChannels: 9, outChannels: 9, kernel: (3, 3), padding: (1, 1), groups: 9),
        ConvGeometry(batch: 1, inHeight: 16, inWidth: 15, inChannels: 33, outChannels: 33, kernel: (5, 5), stride: (2, 2),
                     padding: (2, 2), groups: 33),
        ConvGeometry(batch: 3, inHeight: 4, inWidth: 4, inChannels: 8, outChannels: 8, kernel: (1, 1), stride: (2, 2)),
    ]

    @Test(arguments: shapes)
    func forwardMatchesReference(_ g: ConvGeometry) {
        #expect(g.problem == nil)
        let input = Self.values(g.inputCount, seed: 1), weight = Self.values(g.weightCount, seed: 2)
        let bias = Self.values(g.outChannels, seed: 3)
        let expected = Reference.convolution(g, input: input, weight: weight, bias: bias)
        var output = [Float](repeating: .nan, count: g.outputCount)
        var scratch = [Float](repeating: 0, count: Convolution.scratchCount(g))
        for threads in [1, 2] {
            EngineThreads.set(threads)
            Convolution.forward(g, input: input, weight: weight, bias: bias, output: &output, scratch: &scratch)
            let worst = zip(output, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-4, "\(g) with \(threads) threads: max error \(worst)")
        }
    }

    /// The backward pass is the adjoint of the forward: ⟨conv(x), dy⟩ = ⟨x, dx⟩ and
    /// ⟨conv_w(x), dy⟩ = ⟨w, dw⟩ for linear maps, checked without any reference gradients.
    @Test(arguments: shapes)
    func backwardIsTheAdjoint(_ g: ConvGeometry) {
        let input = Self.values(g.inputCount, seed: 4), weight = Self.values(g.weightCount, seed: 5)
        let dy = Self.values(g.outputCount, seed: 6)
        let y = Reference.convolution(g, input: input, weight: weight, bias: nil)
        var dx = [Float](repeating: 0, count: g.inputCount), dw = [Float](repeating: 0, count: g.weightCount)
        var db = [Float](repeating: 0, count: g.outChannels)
        var scratch = [Float](repeating: 0, count: Convolution.scratchCount(g))
        Convolution.backward(g, input: input, weight: weight, outputGradient: dy, inputGradient: &dx, weightGradient: &dw,
                             biasGradient: &db, scratch: &scratch)
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        let lhs = dot(y, dy)
        #expect(abs(lhs - dot(input, dx)) < 1e-3 * max(1, abs(lhs)), "\(g): input adjoint")
        #expect(abs(lhs - dot(weight, dw)) < 1e-3 * max(1, abs(lhs)), "\(g): weight adjoint")
        for o in 0..<g.outChannels {
            let sum = stride(from: o, to: dy.count, by: g.outChannels).reduce(Double(0)) { $0 + Double(dy[$1]) }
            #expect(abs(Double(db[o]) - sum) < 1e-4)
        }
    }
}
