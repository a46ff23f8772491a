/// Shapes and hyper-parameters of one 2-D convolution in NHWC layout.
///
/// Input [batch, inHeight, inWidth, inChannels]; weight [outChannels, kernelH, kernelW,
/// inChannels/groups] (OHWI); output [batch, outHeight, outWidth, outChannels]. Padding is
/// symmetric (PyTorch's `padding=p`).
public struct ConvGeometry: Sendable, Hashable, CustomStringConvertible {
    public var batch: Int
    public var inHeight: Int
    public var inWidth: Int
    public var inChannels: Int
    public var outChannels: Int
    public var kernelH: Int
    public var kernelW: Int
    public var strideH: Int
    public var strideW: Int
    public var padH: Int
    public var padW: Int
    public var dilationH: Int
    public var dilationW: Int
    public var groups: Int

    public init(batch: Int, inHeight: Int, inWidth: Int, inChannels: Int, outChannels: Int,
                kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        self.batch = batch
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.inChannels = inChannels
        self.outChannels = outChannels
        (kernelH, kernelW) = kernel
        (strideH, strideW) = stride
        (padH, padW) = padding
        (dilationH, dilationW) = dilation
        self.groups = groups
    }

    public var outHeight: Int { (inHeight + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1 }
    public var outWidth: Int { (inWidth + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1 }
    public var inChannelsPerGroup: Int { inChannels / groups }
    public var outChannelsPerGroup: Int { outChannels / groups }
    /// Rows of the im2col matrix: one per output pixel of the whole batch.
    public var outputPixels: Int { batch * outHeight * outWidth }
    /// Columns of the im2col matrix of one group (= weights per output channel).
    public var patchSize: Int { kernelH * kernelW * inChannelsPerGroup }
    public var inputCount: Int { batch * inHeight * inWidth * inChannels }
    public var outputCount: Int { outputPixels * outChannels }
    public var weightCount: Int { outChannels * patchSize }

    /// 1×1, stride 1, no padding, one group: the convolution is a single matrix product.
    public var isPointwise: Bool {
        kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0 && groups == 1
    }

    /// One input channel per group and one output per input channel.
    public var isDepthwise: Bool { groups == inChannels && outChannels == inChannels && groups > 1 }

    /// For output row `oy`: the input row kernel row 0 reads (negative in the top padding)
    /// and the kernel rows whose input row lies inside the image.
    @inline(__always)
    public func kernelRows(forOutputRow oy: Int) -> (origin: Int, rows: Range<Int>) {
        let origin = oy * strideH - padH
        return (origin, Self.tapsInside(origin: origin, kernel: kernelH, dilation: dilationH, length: inHeight))
    }

    /// The same across: for output column `ox`, the input column of kernel column 0 and the
    /// kernel columns inside the image.
    @inline(__always)
    public func kernelColumns(forOutputColumn ox: Int) -> (origin: Int, columns: Range<Int>) {
        let origin = ox * strideW - padW
        return (origin, Self.tapsInside(origin: origin, kernel: kernelW, dilation: dilationW, length: inWidth))
    }

    /// The taps t of a kernel along one axis with 0 ≤ origin + t·dilation < length.
    @inline(__always)
    static func tapsInside(origin: Int, kernel: Int, dilation: Int, length: Int) -> Range<Int> {
        var first = 0, end = kernel
        while first < end && origin + first * dilation < 0 { first += 1 }
        while end > first && origin + (end - 1) * dilation >= length { end -= 1 }
        return first..<end
    }

    /// Multiply-accumulates of the forward pass.
    public var macs: Int { outputCount * patchSize }

    /// Nil when valid; otherwise why not (for precise errors above this layer).
    public var problem: String? {
        if batch < 1 || inHeight < 1 || inWidth < 1 || inChannels < 1 || outChannels < 1 { return "sizes must be positive" }
        if kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || padH < 0 || padW < 0 {
            return "kernel, stride and dilation must be positive and padding non-negative"
        }
        if groups < 1 || inChannels % groups != 0 || outChannels % groups != 0 {
            return "groups (\(groups)) must divide input (\(inChannels)) and output (\(outChannels)) channels"
        }
        if outHeight < 1 || outWidth < 1 { return "kernel larger than the padded input" }
        return nil
    }

    public var description: String {
        "conv \(kernelH)x\(kernelW)/s\(strideH) p\(padH) d\(dilationH) g\(groups): [\(batch),\(inHeight),\(inWidth),\(inChannels)] → [\(batch),\(outHeight),\(outWidth),\(outChannels)]"
    }
}
