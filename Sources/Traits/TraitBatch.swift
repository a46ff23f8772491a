import Augmentation
import Datasets
import ImageIO
import ImageProcessing
import TensorKernels
import Tensors

/// A batch of crops as network input and targets.
struct TraitBatch {
    var input: Tensor            // [N, S, S, 3], ImageNet-normalised
    var traitTargets: Tensor     // [N, 3]
    var traitWeights: Tensor     // [N, 3]: 0 where unknown
    var keypointTargets: Tensor  // [N, 9]
    var keypointWeights: Tensor  // [N, 9]: 0 where no keypoints

    /// Builds a batch: with `framingJitter`, each crop re-framed around a jittered box
    /// (`CropFraming`); optional augmentation (keypoints move with the pixels), then a resize of
    /// the whole crop to `size`×`size`. Crops are prepared in parallel on the engine threads,
    /// each with its own generator split from `rng` in order, so the batch does not depend on
    /// the thread count.
    static func make(_ samples: [TraitSample], size: Int, augment: RandAugment?, framingJitter: Double? = nil,
                     lightingJitter: LightingJitter? = nil, rng: inout RandomSource) -> TraitBatch {
        let n = samples.count, pixels = size * size * 3
        var input = Tensor.uninitialized([n, size, size, 3])
        var tt = Tensor(shape: [n, 3]), tw = Tensor(shape: [n, 3])
        var kt = Tensor(shape: [n, KeypointEncoding.count]), kw = Tensor(shape: [n, KeypointEncoding.count])
        let generators = samples.map { _ in rng.split() }
        let prepared = parallelMap(n) { i -> (image: RGBImage, code: [Float]?) in
            var sampleRNG = generators[i]
            var (image, points) = CropFraming.reframe(samples[i], jitter: framingJitter ?? 0, rng: &sampleRNG)
            if let augment { (image, points) = augment.apply(to: image, keypoints: points, rng: &sampleRNG) }
            lightingJitter?.apply(to: &image, rng: &sampleRNG)
            var code: [Float]? = nil
            if points.count == 4 {
                let k = FlyKeypoints(head: points[0], tail: points[1], wing1: points[2], wing2: points[3])
                code = KeypointEncoding.encode(k, cropWidth: Double(image.width), cropHeight: Double(image.height))
            }
            return (image.resized(width: size, height: size), code)
        }
        for (i, sample) in samples.enumerated() {
            input.scalars.withUnsafeMutableBufferPointer { buffer in
                prepared[i].image.writeFloatHWC(into: UnsafeMutableBufferPointer(rebasing: buffer[(i * pixels)..<((i + 1) * pixels)]), .imageNet)
            }
            let (values, weights) = TraitEncoding.targets(sample.traits)
            for j in 0..<3 { tt.scalars[i * 3 + j] = values[j]; tw.scalars[i * 3 + j] = weights[j] }
            if let code = prepared[i].code {
                for j in 0..<KeypointEncoding.count {
                    kt.scalars[i * KeypointEncoding.count + j] = code[j]
                    kw.scalars[i * KeypointEncoding.count + j] = 1
                }
            }
        }
        return TraitBatch(input: input, traitTargets: tt, traitWeights: tw, keypointTargets: kt, keypointWeights: kw)
    }
}
