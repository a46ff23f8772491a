import TensorKernels

/// Which MobileNetV3, how wide, and what the head outputs.
public struct MobileNetV3Configuration: Sendable, Equatable {
    public enum Variant: String, Sendable, CaseIterable, Codable { case small, large }

    public var variant: Variant
    /// Channel multiplier: 0.5, 0.75 or 1.0 in the reference system (any positive value works).
    public var widthMultiplier: Double
    /// Classification logits (e.g. 3 trait logits).
    public var logits: Int
    /// Extra regression outputs after the logits (e.g. 9 keypoint values).
    public var regressionOutputs: Int
    /// Dropout before the last linear layer (torchvision: 0.2; the trait classifier: 0.5).
    public var dropout: Float

    public init(variant: Variant, widthMultiplier: Double = 1.0, logits: Int = 3, regressionOutputs: Int = 0,
                dropout: Float = 0.2) {
        self.variant = variant
        self.widthMultiplier = widthMultiplier
        self.logits = logits
        self.regressionOutputs = regressionOutputs
        self.dropout = dropout
    }

    public var outputCount: Int { logits + regressionOutputs }

    /// One bottleneck of the table in torchvision's `_mobilenet_v3_conf` (channels already
    /// scaled by the width multiplier).
    public struct Block: Sendable, Equatable {
        public let inChannels: Int
        public let kernel: Int
        public let expandedChannels: Int
        public let outChannels: Int
        public let squeezeExcite: Bool
        public let activation: Elementwise.Activation
        public let stride: Int
        public let dilation: Int

        /// Channels inside the squeeze-excite block (torchvision: make_divisible(expanded / 4)).
        public var squeezeChannels: Int { makeDivisible(Double(expandedChannels / 4)) }
        /// Whether the block adds its input to its output.
        public var hasResidual: Bool { stride == 1 && inChannels == outChannels }
    }

    public var blocks: [Block] {
        func b(_ i: Int, _ k: Int, _ e: Int, _ o: Int, _ se: Bool, _ hs: Bool, _ s: Int) -> Block {
            Block(inChannels: scaled(i), kernel: k, expandedChannels: scaled(e), outChannels: scaled(o), squeezeExcite: se,
                  activation: hs ? .hardswish : .relu, stride: s, dilation: 1)
        }
        switch variant {
        case .small:
            return [
                b(16, 3, 16, 16, true, false, 2), b(16, 3, 72, 24, false, false, 2), b(24, 3, 88, 24, false, false, 1),
                b(24, 5, 96, 40, true, true, 2), b(40, 5, 240, 40, true, true, 1), b(40, 5, 240, 40, true, true, 1),
                b(40, 5, 120, 48, true, true, 1), b(48, 5, 144, 48, true, true, 1), b(48, 5, 288, 96, true, true, 2),
                b(96, 5, 576, 96, true, true, 1), b(96, 5, 576, 96, true, true, 1),
            ]
        case .large:
            return [
                b(16, 3, 16, 16, false, false, 1), b(16, 3, 64, 24, false, false, 2), b(24, 3, 72, 24, false, false, 1),
                b(24, 5, 72, 40, true, false, 2), b(40, 5, 120, 40, true, false, 1), b(40, 5, 120, 40, true, false, 1),
                b(40, 3, 240, 80, false, true, 2), b(80, 3, 200, 80, false, true, 1), b(80, 3, 184, 80, false, true, 1),
                b(80, 3, 184, 80, false, true, 1), b(80, 3, 480, 112, true, true, 1), b(112, 3, 672, 112, true, true, 1),
                b(112, 5, 672, 160, true, true, 2), b(160, 5, 960, 160, true, true, 1), b(160, 5, 960, 160, true, true, 1),
            ]
        }
    }

    /// Width of the hidden classifier layer (torchvision scales it too).
    public var lastChannels: Int { scaled(variant == .small ? 1024 : 1280) }

    /// Channels of the last `features` layer (the 1×1 expansion to 6× the last block's
    /// output, at stride 32).
    public var finalFeatureChannels: Int { 6 * blocks.last!.outChannels }

    /// The last layer of the `features` sequence (stem = 0, block i = i + 1) whose output has
    /// the given stride, with that output's channels — where heads that need finer maps than
    /// the last one tap the backbone. Nil when no layer has that stride.
    public func lastFeatureLayer(atStride target: Int) -> (index: Int, channels: Int)? {
        let blocks = self.blocks
        var stride = 2
        var found: (index: Int, channels: Int)? = target == stride ? (0, blocks[0].inChannels) : nil
        for (i, block) in blocks.enumerated() {
            stride *= block.stride
            if stride == target { found = (i + 1, block.outChannels) }
        }
        return found
    }

    func scaled(_ channels: Int) -> Int { makeDivisible(Double(channels) * widthMultiplier) }
}

/// torchvision's `_make_divisible`: round to a multiple of `divisor`, never below it and
/// never more than 10 % below the requested value.
public func makeDivisible(_ value: Double, divisor: Int = 8) -> Int {
    var rounded = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
    if Double(rounded) < 0.9 * value { rounded += divisor }
    return rounded
}
