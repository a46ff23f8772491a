import Layers
import Tensors

extension FlyDetectorConfiguration {
    /// Whether this configuration is `narrow` with a wider neck and nothing else changed — what
    /// `FlyDetector.copyWidened` can fill.
    public func widens(_ narrow: FlyDetectorConfiguration) -> Bool {
        var same = self
        same.neckChannels = narrow.neckChannels
        return same == narrow && neckChannels > narrow.neckChannels
    }
}

extension FlyDetector {
    /// Copies this detector into `wide`, a detector of the same backbone and stride with a wider
    /// neck, so that `wide` computes the same output map (Net2Net's function-preserving
    /// widening, Chen et al. 2016, here by zero-padding rather than splitting channels).
    ///
    /// Every tensor goes into the leading part of its wider counterpart. The new channels keep
    /// `wide`'s fresh initial weights, so they compute something from the start; the neck mixes
    /// channels only by element-wise additions and depthwise convolutions, so the old channels
    /// never see them, and the heads' weights that read them are set to zero — the output is
    /// unchanged until training moves those weights. Lets a trained detector grow more capacity
    /// in its neck and heads without starting them from scratch.
    public func copyWidened(into wide: FlyDetector) {
        precondition(wide.configuration.widens(configuration), "only a wider neck, all else the same")
        let narrow = Dictionary(uniqueKeysWithValues: stateEntries().map { ($0.name, $0) })
        for entry in wide.stateEntries() {
            guard let source = narrow[entry.name]?.get() else { preconditionFailure("\(entry.name) is missing from the narrower detector") }
            let target = entry.get()
            entry.set(source.shape == target.shape ? source : Self.padded(source, into: target))
        }
    }

    /// `source` in the leading block of `target` (same rank, no dimension smaller). For a
    /// convolution weight (OHWI), the entries of the old outputs that read new inputs are zero.
    static func padded(_ source: Tensor, into target: Tensor) -> Tensor {
        precondition(source.shape.count == target.shape.count && zip(source.shape, target.shape).allSatisfy(<=),
                     "shapes \(source.shape) and \(target.shape) do not nest")
        var result = target
        let rank = target.shape.count
        if rank == 4 {
            let (outputs, inputs) = (source.shape[0], source.shape[3])
            let perOutput = target.count / target.shape[0], wideInputs = target.shape[3]
            for o in 0..<outputs {
                for k in stride(from: o * perOutput, to: (o + 1) * perOutput, by: wideInputs) {
                    for i in inputs..<wideInputs { result.scalars[k + i] = 0 }
                }
            }
        }
        // Row-major strides of both shapes; walk every index of `source`.
        func strides(_ shape: [Int]) -> [Int] {
            var s = [Int](repeating: 1, count: shape.count)
            for d in stride(from: shape.count - 2, through: 0, by: -1) { s[d] = s[d + 1] * shape[d + 1] }
            return s
        }
        let from = strides(source.shape), to = strides(target.shape)
        for flat in 0..<source.count {
            var rest = flat, destination = 0
            for d in 0..<rank {
                destination += (rest / from[d]) * to[d]
                rest %= from[d]
            }
            result.scalars[destination] = source.scalars[flat]
        }
        return result
    }
}
