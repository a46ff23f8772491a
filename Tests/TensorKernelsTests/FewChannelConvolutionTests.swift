import Testing
@testable import TensorKernels

/// The direct few-input-channel convolution (the stem) against the scalar reference plus the
/// activation: interior pixels in fours, borders one by one, strides, dilation, batches,
/// widths whose interior is not a multiple of four or is empty.
@Suite struct FewChannelConvolutionTests {
    static let shapes: [ConvGeometry] = [
        ConvGeometry(batch: 1, inHeight: 32, inWidth: 32, inChannels: 3, outChannels: 16, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        ConvGeometry(batch: 2, inHeight: 17, inWidth: 23, inChannels: 3, outChannels: 16, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        ConvGeometry(batch: 1, inHeight: 9, inWidth: 13, inChannels: 1, outChannels: 16, kernel: (5, 5), padding: (2, 2)),
        ConvGeometry(batch: 1, inHeight: 11, inWidth: 14, inChannels: 4, outChannels: 48, kernel: (3, 3), padding: (2, 2), dilation: (2, 2)),
        ConvGeometry(batch: 2, inHeight: 6, inWidth: 5, inChannels: 2, outChannels: 32, kernel: (3, 3), stride: (1, 2)),
        ConvGeometry(batch: 1, inHeight: 3, inWidth: 3, inChannels: 3, outChannels: 16, kernel: (3, 3), padding: (1, 1)),
        ConvGeometry(batch: 1, inHeight: 4, inWidth: 30, inChannels: 3, outChannels: 16, kernel: (3, 1), stride: (1, 3)),
    ]

    @Test(arguments: shapes, [Elementwise.Activation.identity, .hardswish, .relu])
    func matchesTheReference(_ g: ConvGeometry, activation: Elementwise.Activation) {
        #expect(g.problem == nil && FewChannelConvolution.applies(to: g))
        let input = ConvolutionKernelTests.values(g.inputCount, seed: 4), weight = ConvolutionKernelTests.values(g.weightCount, seed: 5)
        let bias = ConvolutionKernelTests.values(g.outChannels, seed: 6), zeros = [Float](repeating: 0, count: g.outChannels)
        let tapMajor = weight.withUnsafeBufferPointer { FewChannelConvolution.tapMajor(g, $0.baseAddress!) }
        for withBias in [true, false] {
            let expected = Reference.convolution(g, input: input, weight: weight, bias: withBias ? bias : nil).map { activation.apply($0) }
            for threads in [1, 2] {
                EngineThreads.set(threads)
                var output = [Float](repeating: .nan, count: g.outputCount)
                input.withUnsafeBufferPointer { i in
                    tapMajor.withUnsafeBufferPointer { w in
                        (withBias ? bias : zeros).withUnsafeBufferPointer { b in
                            output.withUnsafeMutableBufferPointer { o in
                                FewChannelConvolution.forward(g, input: i.baseAddress!, tapMajorWeight: w.baseAddress!,
                                                              bias: b.baseAddress!, activation: activation, output: o.baseAddress!)
                            }
                        }
                    }
                }
                let worst = zip(output, expected).map { abs($0 - $1) }.max() ?? .infinity
                #expect(worst < 1e-4, "\(g), \(activation), bias \(withBias), \(threads) threads: max error \(worst)")
            }
        }
    }

    @Test func onlyLayersWithFewInputChannelsQualify() {
        #expect(!FewChannelConvolution.applies(to: ConvGeometry(batch: 1, inHeight: 8, inWidth: 8, inChannels: 5, outChannels: 16, kernel: (3, 3))))
        #expect(!FewChannelConvolution.applies(to: ConvGeometry(batch: 1, inHeight: 8, inWidth: 8, inChannels: 3, outChannels: 24, kernel: (3, 3))))
        #expect(!FewChannelConvolution.applies(to: ConvGeometry(batch: 1, inHeight: 8, inWidth: 8, inChannels: 3, outChannels: 16, kernel: (1, 1))))
        #expect(!FewChannelConvolution.applies(to: ConvGeometry(batch: 1, inHeight: 8, inWidth: 8, inChannels: 4, outChannels: 16,
                                                                kernel: (3, 3), groups: 2)))
    }
}
